package dev.hybridcdn.ops.processes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceProcessTest {
  @Test
  void aProcessThatExitsAtStartIsReportedWithTheEndOfItsLog(@TempDir Path dir) {
    String log = dir.resolve("logs/peer-1.log").toString();
    ServiceProcess p = new ServiceProcess("peer-1", "peer", 0, 9, "http://127.0.0.1:9", log,
        List.of("sh", "-c", "echo starting; echo 'bind(..) failed: Address already in use' >&2; exit 1"), Map.of())
        .launch();
    // The message carries the log's last lines: a test's temporary directory, and the log in it, is
    // gone by the time a CI report is read.
    assertThatThrownBy(() -> p.awaitUp(HttpClient.newHttpClient(), Duration.ofSeconds(20)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("peer-1 is not up")
        .hasMessageContaining("starting\nbind(..) failed: Address already in use");
    assertThat(p.alive()).isFalse();
  }
}
