package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.processes.ProcessStack;
import dev.hybridcdn.ops.processes.ServiceProcess;
import dev.hybridcdn.ops.processes.StackFile;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdn up --processes --tls} on free ports (issue 16, item 6): each service JVM gets its own
 * certificate and the CA through {@code TLS_*} variables, answers {@code /health} over HTTPS only,
 * and players play through two peer JVMs with 0 failed requests.
 */
class ProcessStackTlsIT {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void theStackAsProcessesServesHttpsOnly(@TempDir Path tmp) throws Exception {
    try (ProcessStack stack = ProcessStack.start(new ProcessStack.Layout(ROOT, tmp, false, 2, 1, 15_000, "warn", true),
        List.of(ROOT.resolve("media/manolo_camp-morning_coffee.mp3")), System.err::println)) {
      StackFile file = StackFile.read(stack.stackFile()).orElseThrow();
      TlsSettings trust = new TlsSettings(null, null, Path.of(file.env().get(TlsSettings.CA_FILE)));
      HttpClient https = HttpClient.newBuilder().sslContext(trust.sslContext()).build();
      for (ServiceProcess p : file.processes()) {
        if (p.http()) {
          assertThat(p.url()).as(p.name()).startsWith("https://");
          assertThat(p.health(https)).as(p.name() + " health over HTTPS").isEqualTo("UP");
          assertThat(p.env()).as(p.name()).containsKeys(TlsSettings.CERT_FILE, TlsSettings.KEY_FILE, TlsSettings.CA_FILE);
        }
      }
      List<PeerRef> peers = file.ofKind("peer").stream().map(p -> new PeerRef(p.name(), "unknown", p.url())).toList();
      SwarmOptions options = SwarmOptions.defaults().withPlayers(6).withSpeedup(20).withRamp(Duration.ofSeconds(3))
          .withSongs(1, 3).withDeadline(Duration.ofMinutes(2));
      Swarm.Result result;
      try (Swarm swarm = new Swarm(file.env().get("ORIGIN_URL"), new PeerDirectory(peers), null, options, trust)) {
        result = swarm.run();
      }
      System.out.printf("ProcessStackTlsIT: %d player requests over HTTPS, %d failed%n", result.requests().size(),
          result.failures().size());
      assertThat(result.failures()).as("failed player requests").isEmpty();
      assertThat(result.requests()).hasSizeGreaterThan(18);
    }
  }
}
