package dev.hybridcdn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackEnvTest {
  @Test
  void readsNameValueLinesAndSkipsComments(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("stack.env");
    Files.writeString(f, "# written by ./cdn up\nKAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092\nPGPORT = 41234\nnot a line\n");
    assertThat(StackEnv.read(f)).containsExactly(java.util.Map.entry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        java.util.Map.entry("PGPORT", "41234"));
    assertThat(StackEnv.read(dir.resolve("missing.env"))).isEmpty();
  }
}
