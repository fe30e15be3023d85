package dev.hybridcdn.ops.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose config -q} accepts {@code docker-compose.yml}: what Docker Compose itself
 * says of the file (Debian's {@code docker-compose} 1.29, which {@code .ci/run} installs). Without
 * the command the test is skipped, except under {@code CI=true}, where it fails.
 */
class DockerComposeConfigTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void dockerComposeAcceptsTheFile() throws Exception {
    String command = onPath("docker-compose");
    if (command == null) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail("docker-compose is not installed; .ci/run installs it (apt-get install docker-compose)");
      }
      assumeTrue(false, "docker-compose is not installed (apt-get install docker-compose)");
    }
    Path output = Files.createTempFile("compose-config", ".log");
    Process p = new ProcessBuilder(command, "-f", ROOT.resolve("docker-compose.yml").toString(), "config", "-q")
        .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String said = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(exited).as("docker-compose config finished within 60 s").isTrue();
    assertThat(p.exitValue()).as("docker-compose config -q said: %s", said).isZero();
  }

  private static String onPath(String name) throws IOException {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
