package dev.hybridcdn.ops.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.ops.swarm.PeerDirectory;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.swarm.Swarm;
import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cdn up --tls} in this JVM on free ports (issue 16, item 6): a local CA and a certificate
 * per service, every service serving HTTPS only and every client trusting the CA. Players (the
 * {@code cdn swarm} simulation) play a few segments of a song through the peers, which fetch from
 * each other, the edges (which fetch from the origin) and the tracker over HTTPS: 0 failed requests.
 */
class TlsStackIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @Test
  void theWholeStackTalksHttpsAndASwarmPlaysWithoutFailures(@TempDir Path tmp) throws Exception {
    Path tlsDir = tmp.resolve("tls");
    try (LocalStack stack = LocalStack.start(StackOptions.of(tmp.resolve("data"), false).withTls(tlsDir),
        line -> System.err.println("• " + line))) {
      Path song = MediaFiles.list(ROOT.resolve("media")).stream().min(Comparator.comparingLong(TlsStackIT::size))
          .orElseThrow();
      stack.ingest(List.of(song), line -> System.err.println("• " + line));
      Delivery delivery = stack.startDelivery("", 3, true);
      Map<String, String> env = stack.env();

      // every URL the stack gives out (stack.env) is https, and the CA is there for the other commands
      List<String> urls = new ArrayList<>();
      for (String name : List.of("ORIGIN_URL", "TRACKER_URLS", "TOPOLOGY_URL", "DASHBOARD_URL", "EDGE_URLS", "PEER_URLS")) {
        urls.addAll(List.of(env.get(name).split(",")));
      }
      assertThat(urls).hasSizeGreaterThanOrEqualTo(9).allMatch(u -> u.startsWith("https://127.0.0.1:"), "https");
      assertThat(env.get(TlsSettings.CA_FILE)).isEqualTo(tlsDir.resolve("ca.pem").toString());

      TlsSettings trust = stack.clientTls();
      HttpClient https = HttpClient.newBuilder().sslContext(trust.sslContext()).connectTimeout(Duration.ofSeconds(5))
          .build();
      for (String u : urls) {
        HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create(u + "/health"))
            .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(u + "/health").isEqualTo(200);
      }
      // a peer announces its https base URL: the tracker hands it out to other peers
      JsonObject peers = new JsonObject(https.send(HttpRequest.newBuilder(URI.create(env.get("TRACKER_URL") + "/peers"))
          .build(), HttpResponse.BodyHandlers.ofString()).body());
      assertThat(peers.getJsonArray("peers")).isNotEmpty();
      peers.getJsonArray("peers").forEach(p -> assertThat(((JsonObject) p).getString("baseUrl")).startsWith("https://"));
      // HTTPS only: plain HTTP on a service's port gets no answer, and without the CA nothing is trusted
      String edge = env.get("EDGE_URLS").split(",")[0];
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(edge.replace("https://", "http://") + "/health")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
      assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(edge + "/health"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);

      List<PeerRef> players = delivery.peers();
      SwarmOptions options = SwarmOptions.defaults().withPlayers(6).withSpeedup(20).withRamp(Duration.ofSeconds(3))
          .withSongs(1, 4).withRendition("128k").withDeadline(Duration.ofMinutes(3));
      Swarm.Result result;
      try (Swarm swarm = new Swarm(stack.originUrl(), new PeerDirectory(players), null, options, trust)) {
        result = swarm.run();
      }
      var summary = result.analysis().summary(10);
      System.err.printf("• TlsStackIT: %d player requests over HTTPS, %d failed, by tier %s%n",
          result.requests().size(), result.failures().size(), summary.requestsByTier());
      assertThat(result.failures()).as("failed player requests").isEmpty();
      assertThat(summary.requests()).as("segments played").isGreaterThanOrEqualTo(6 * 4);
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (java.io.IOException e) {
      return Long.MAX_VALUE;
    }
  }
}
