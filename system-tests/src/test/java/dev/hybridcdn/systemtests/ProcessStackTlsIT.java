package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.ops.processes.ProcessStack;
import dev.hybridcdn.ops.processes.ServiceProcess;
import dev.hybridcdn.ops.processes.StackFile;
import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdn up --processes --tls --auth} on free ports (issue 16, items 4 and 6), the shape docker
 * compose runs in: each service JVM gets its own certificate and the CA through {@code TLS_*}
 * variables and answers {@code /health} over HTTPS only; edges and peers (only they) get
 * {@code PLAYER_TOKEN_SECRET} and refuse an unsigned playlist request; players signing their songs'
 * tokens play through two peer JVMs with 0 failed requests.
 */
class ProcessStackTlsIT {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void theStackAsProcessesServesHttpsOnly(@TempDir Path tmp) throws Exception {
    String secret = TrustSettings.newSecret();
    ProcessStack.Layout layout = new ProcessStack.Layout(ROOT, tmp, false, 2, 1, 15_000, "warn", true)
        .withPlayerTokens(secret);
    try (ProcessStack stack = ProcessStack.start(layout, List.of(ROOT.resolve("media/manolo_camp-morning_coffee.mp3")),
        System.err::println)) {
      StackFile file = StackFile.read(stack.stackFile()).orElseThrow();
      TlsSettings trust = new TlsSettings(null, null, Path.of(file.env().get(TlsSettings.CA_FILE)));
      HttpClient https = HttpClient.newBuilder().sslContext(trust.sslContext()).build();
      for (ServiceProcess p : file.processes()) {
        if (p.http()) {
          assertThat(p.url()).as(p.name()).startsWith("https://");
          assertThat(p.health(https)).as(p.name() + " health over HTTPS").isEqualTo("UP");
          assertThat(p.env()).as(p.name()).containsKeys(TlsSettings.CERT_FILE, TlsSettings.KEY_FILE, TlsSettings.CA_FILE);
          assertThat(p.env().containsKey(PlayerTokens.SECRET)).as(p.name() + " holds the player token secret")
              .isEqualTo(p.kind().equals("edge") || p.kind().equals("peer"));
        }
      }
      assertThat(file.env()).as("stack.env, for cdn token and the players").containsEntry(PlayerTokens.SECRET, secret);
      String song = ManifestJson.parseSongList(https.send(HttpRequest.newBuilder(
          URI.create(file.env().get("ORIGIN_URL") + CdnPaths.SONGS)).build(), HttpResponse.BodyHandlers.ofString()).body())
          .get(0).songId();
      for (ServiceProcess p : file.ofKind("peer")) {
        HttpResponse<String> unsigned = https.send(HttpRequest.newBuilder(URI.create(p.url() + CdnPaths.master(song)))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).as(p.name() + " without a token").isEqualTo(401);
      }
      List<PeerRef> peers = file.ofKind("peer").stream().map(p -> new PeerRef(p.name(), "unknown", p.url())).toList();
      SwarmOptions options = SwarmOptions.defaults().withPlayers(6).withSpeedup(20).withRamp(Duration.ofSeconds(3))
          .withSongs(1, 3).withDeadline(Duration.ofMinutes(2));
      Swarm.Result result;
      try (Swarm swarm = new Swarm(file.env().get("ORIGIN_URL"), new PeerDirectory(peers), null, options, trust,
          PlayerTokens.from(new Env(file.env())))) {
        result = swarm.run();
      }
      System.out.printf("ProcessStackTlsIT: %d signed player requests over HTTPS, %d failed%n", result.requests().size(),
          result.failures().size());
      assertThat(result.failures()).as("failed player requests").isEmpty();
      assertThat(result.requests()).hasSizeGreaterThan(18);
    }
  }
}
