package dev.hybridcdn.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.servicekit.identity.ClusterRequests;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of the tracker in one JVM (same application id, different {@code application.server}):
 * every key is answered correctly through either; with one stopped, the other answers every key. They run
 * with a cluster secret (issue 16), so forwarding and scatter-gather go through the signed internal requests,
 * and the internal routes refuse a client without the secret.
 */
class TrackerScaleOutIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir
  Path stateDir;

  private static final int PEERS = 12;
  private static final int SEGMENTS = 30;

  @Test
  void anyInstanceAnswersAnyKeyAndTheSurvivorAnswersAllAfterRebalance() {
    try (TrackerFixture fx = new TrackerFixture(KAFKA.bootstrapServers(), KAFKA.uniquePrefix("tracker-scale"))) {
      // Long TTL: this test is about ownership, not expiry.
      // Events unsigned (EVENT_AUTH=off: this fixture produces plain events); internal requests signed.
      String secret = TrustSettings.newSecret();
      Map<String, String> extra = Map.of("TRACKER_PEER_TTL_MS", "600000", "TRACKER_STANDBY_REPLICAS", "1",
          "CLUSTER_SECRET", secret, "EVENT_AUTH", "off");
      TrackerApp a = TrackerApp.start(fx.config(stateDir.resolve("a"), extra));
      TrackerApp b = null;
      try {
        b = TrackerApp.start(fx.config(stateDir.resolve("b"), extra));
        TrackerApp bb = b;
        // Expected index: segment i is held by peers i % PEERS and (i + 5) % PEERS.
        Map<String, Set<String>> expected = new HashMap<>();
        for (int p = 0; p < PEERS; p++) {
          fx.join("sx-peer-" + p, p % 2 == 0 ? "eu-west" : "us-east");
        }
        for (int i = 0; i < SEGMENTS; i++) {
          String seg = String.format("song-%d/128k/seg%05d.ts", i % 3, i);
          for (int p : List.of(i % PEERS, (i + 5) % PEERS)) {
            fx.cache("sx-peer-" + p, seg);
            expected.computeIfAbsent(seg, k -> new TreeSet<>()).add("sx-peer-" + p);
          }
        }
        fx.producer.flush();
        TrackerFixture.within("both instances RUNNING with partitions of their own", Duration.ofSeconds(60)).until(() ->
            a.streams().state() == KafkaStreams.State.RUNNING && bb.streams().state() == KafkaStreams.State.RUNNING
                && !active(fx, a).isEmpty() && !active(fx, bb).isEmpty());
        for (TrackerApp via : List.of(a, b)) {
          TrackerFixture.within("every key through instance " + via.port(), Duration.ofSeconds(60)).until(
              () -> allKeysCorrect(fx, via, expected, false));
        }
        // Keys really are split: each instance owns some partitions, so some answers were forwarded.
        assertThat(fx.get(a.port(), "/stats").body().getLong("forwardedQueries")
            + fx.get(b.port(), "/stats").body().getLong("forwardedQueries")).isPositive();
        internalRoutesNeedTheClusterSecret(fx, a.port(), secret);

        b.close();
        b = null;
        TrackerFixture.within("the survivor answers every key after the rebalance", Duration.ofSeconds(60)).until(
            () -> allKeysCorrect(fx, a, expected, true));
        assertThat(fx.get(a.port(), "/health").status()).isEqualTo(200);

        // A new instance restores the global peer directory from its topic and ranks with it.
        try (TrackerApp c = TrackerApp.start(fx.config(stateDir.resolve("c"), extra))) {
          TrackerFixture.within("every key through a freshly started instance", Duration.ofSeconds(60)).until(
              () -> allKeysCorrect(fx, c, expected, false));
          assertThat(fx.get(c.port(), "/stats").body().getInteger("livePeers")).isEqualTo(PEERS);
        }
      } finally {
        if (b != null) {
          b.close();
        }
        a.close();
      }
    }
  }

  /**
   * {@code /internal/*} and a forwarded query: refused without the secret's MAC (none, another
   * cluster's, a forwarded header alone, a MAC for another path), answered with it.
   */
  private static void internalRoutesNeedTheClusterSecret(TrackerFixture fx, int port, String secret) {
    String path = "/internal/local/peers";
    ClusterRequests mine = ClusterRequests.of(TrustSettings.require(Base64.getDecoder().decode(secret)));
    ClusterRequests other = ClusterRequests.of(TrustSettings.require(Base64.getDecoder().decode(
        TrustSettings.newSecret())));
    for (Map<String, String> headers : List.of(Map.<String, String>of(),
        Map.of(ClusterRequests.HEADER, other.sign("GET", path)),
        Map.of(ClusterRequests.HEADER, mine.sign("GET", "/internal/local/content")),
        Map.of(ClusterRequests.HEADER, "1:00"))) {
      var refused = fx.get(port, path, headers);
      assertThat(refused.status()).as("%s with %s", path, headers).isEqualTo(401);
      assertThat(refused.body().getString("error")).isEqualTo("cluster_auth_required");
    }
    var forwardedAlone = fx.get(port, "/peers/sx-peer-0", Map.of("X-Tracker-Forwarded", "127.0.0.1:1"));
    assertThat(forwardedAlone.status()).isEqualTo(401);
    var signed = fx.get(port, path, Map.of(ClusterRequests.HEADER, mine.sign("GET", path)));
    assertThat(signed.status()).as(String.valueOf(signed.body())).isEqualTo(200);
    assertThat(signed.body().getJsonObject("partitions")).isNotNull();
    var signedForward = fx.get(port, "/peers/sx-peer-0", Map.of("X-Tracker-Forwarded", "127.0.0.1:1",
        ClusterRequests.HEADER, mine.sign("GET", "/peers/sx-peer-0")));
    assertThat(signedForward.status()).isIn(200, 503); // answered from local state only, or 503 if not held here
    assertThat(fx.get(port, "/peers/sx-peer-0").status()).isEqualTo(200); // a client's query needs nothing
  }

  private static List<Object> active(TrackerFixture fx, TrackerApp app) {
    var stats = fx.get(app.port(), "/stats");
    return stats.status() == 200 ? stats.body().getJsonArray("activePartitions").getList() : List.of();
  }

  /**
   * Every segment's holders, every peer, /peers and /content, exactly as produced. Not yet
   * answerable (503, connection error) or, before the data is known to be processed, not yet
   * complete means "wait"; with {@code strict} (the data is known to be processed) a wrong answer
   * or a 404 fails the test at once.
   */
  private static boolean allKeysCorrect(TrackerFixture fx, TrackerApp via, Map<String, Set<String>> expected,
      boolean strict) {
    for (var e : expected.entrySet()) {
      var a = fx.get(via.port(), "/segments/" + e.getKey() + "/peers?limit=50");
      if (strict) {
        assertThat(a.status()).as("status of %s via %d while rebalancing", e.getKey(), via.port()).isIn(200, 503, -1);
      }
      if (a.status() == 503) {
        assertThat(a.raw().headers().firstValue("Retry-After")).isPresent();
      }
      if (a.status() != 200) {
        return false;
      }
      Set<String> holders = a.body().getJsonArray("holders").stream().map(o -> ((JsonObject) o).getString("peerId"))
          .collect(Collectors.toCollection(TreeSet::new));
      if (!strict && !holders.equals(e.getValue())) {
        return false; // the cache events may still be in flight: the index fills in as they land
      }
      // Once the data is known to be processed, a wrong (non-empty but different) answer fails at once.
      assertThat(holders).as("holders of %s via %d", e.getKey(), via.port()).isEqualTo(e.getValue());
    }
    for (int p = 0; p < PEERS; p++) {
      var peer = fx.get(via.port(), "/peers/sx-peer-" + p);
      if (strict) {
        assertThat(peer.status()).as("status of peer %d while rebalancing", p).isIn(200, 503, -1);
      }
      if (peer.status() != 200) {
        return false;
      }
      assertThat(peer.body().getString("peerId")).isEqualTo("sx-peer-" + p);
    }
    var peers = fx.get(via.port(), "/peers");
    if (peers.status() != 200) {
      return false;
    }
    List<String> ids = new ArrayList<>();
    peers.body().getJsonArray("peers").forEach(o -> ids.add(((JsonObject) o).getString("peerId")));
    assertThat(ids).hasSize(PEERS);
    var content = fx.get(via.port(), "/content");
    if (content.status() != 200) {
      return false;
    }
    assertThat(content.body().getInteger("segmentCount")).isEqualTo(expected.size());
    return true;
  }
}
