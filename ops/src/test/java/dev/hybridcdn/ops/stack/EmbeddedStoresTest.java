package dev.hybridcdn.ops.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class EmbeddedStoresTest {
  @Test
  void onlyABusyBinaryIsTriedAgain() {
    // The chain embedded-redis threw in a full mvn verify (TlsStackIT), messages as the JDK and the library wrote them.
    IOException busy = new IOException("Failed to start Redis service", new IOException(
        "Cannot run program \"/tmp/redis-1/redis-server-6.2.6-v5-linux-amd64\" (in directory \"/tmp/redis-1\"): "
            + "error=26, Text file busy", new IOException("error=26, Text file busy")));
    assertThat(EmbeddedStores.textFileBusy(busy)).isTrue();
    IOException portTaken = new IOException("Failed to start Redis service",
        new IOException("Address already in use"));
    assertThat(EmbeddedStores.textFileBusy(portTaken)).isFalse();
    assertThat(EmbeddedStores.textFileBusy(new IOException((String) null))).isFalse();
  }
}
