package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.LocalPorts;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readmission (issue 12, item 2) with a real paused process: a peer JVM from
 * {@code peer-vertx/target/peer-vertx.jar} caches a segment played through it (real origin with
 * FFmpeg ingest, real edge), is stopped with {@code kill -STOP} until the tracker (in this JVM,
 * heartbeats 500 ms, TTL 1.5 s) has expired it, and resumed with {@code kill -CONT}: it must be back
 * in {@code GET /peers/{id}} and in the segment's lookup within 2 heartbeat intervals plus 1 s for
 * Kafka (a produce, the tracker's 100 ms exactly-once commit, the repartition hop), and serve the
 * segment to another peer again. A second peer, in this JVM, keeps the swarm talking: with no input
 * at all the tracker pauses its reaper (NoMassExpiryTest), and nobody would be expired.
 */
class ReadmissionIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  static final long HEARTBEAT_MS = 500;
  static final long TOLERANCE_MS = 1000;
  static final String PAUSED = "paused-peer";

  @Test
  void aPeerPausedPastItsTtlIsBackInLookupsWithItsHoldingsWithinTwoHeartbeats(@TempDir Path tmp) throws Exception {
    Path jar = ROOT.resolve("peer-vertx/target/peer-vertx.jar");
    assertThat(jar).as("packaged by the reactor before this module").isRegularFile();
    Vertx vertx = Vertx.vertx();
    WebClient http = WebClient.create(vertx);
    List<AutoCloseable> stack = new java.util.ArrayList<>();
    Process peer = null;
    try {
      String prefix = KAFKA.uniquePrefix("readmission");
      Map<String, String> common = Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(), "TOPIC_PREFIX", prefix);
      OriginConfig originConfig = Services.originConfig(common, PG, Map.of());
      Ingester ingester = Ingester.start(vertx, originConfig);
      stack.add(0, ingester);
      OriginServer origin = OriginServer.start(vertx, originConfig);
      stack.add(0, origin);
      ingester.ingest(ROOT.resolve("media/manolo_camp-morning_coffee.mp3"), "coffee", "Morning Coffee");
      EdgeServer edge = Services.startEdge(vertx, common, PG, REDIS, "edge-readmit", "http://127.0.0.1:" + origin.port(),
          Map.of());
      stack.add(0, edge);
      String edgeUrl = "http://127.0.0.1:" + edge.port();

      Map<String, String> trackerEnv = new HashMap<>(common);
      trackerEnv.putAll(Map.of("HTTP_PORT", "0", "TRACKER_APPLICATION_ID", prefix + "tracker",
          "TRACKER_HEARTBEAT_INTERVAL_MS", Long.toString(HEARTBEAT_MS), "TRACKER_PEER_TTL_MS", "1500",
          "TRACKER_PUNCTUATE_INTERVAL_MS", "100", "TRACKER_STATE_DIR", tmp.resolve("tracker").toString(),
          "TRACKER_STANDBY_REPLICAS", "0", "TRACKER_HTTP_INSTANCES", "1"));
      TrackerApp tracker = TrackerApp.start(vertx, TrackerConfig.from(new Env(trackerEnv)));
      stack.add(0, tracker);
      String trackerUrl = "http://127.0.0.1:" + tracker.port();

      Map<String, String> peerEnv = new HashMap<>(common);
      peerEnv.putAll(Map.of("HTTP_PORT", "0", "BIND_HOST", "127.0.0.1", "REGION", "local", "EDGE_URLS", edgeUrl,
          "TRACKER_URL", trackerUrl, "HEARTBEAT_MS", Long.toString(HEARTBEAT_MS), "READ_AHEAD", "0",
          "PEER_TIMEOUT_MS", "1500", "P2P_BUDGET_MS", "4000"));
      peerEnv.put("PLAYER_HEDGE_MS", "0"); // which source answers is asserted: no urgent hedge to the edge
      // Which peers hold what is asserted: no warm starts fetching the song's start on their own.
      peerEnv.put("WARM_START_SONGS", "0");
      Map<String, String> witnessEnv = new HashMap<>(peerEnv);
      witnessEnv.put("PEER_ID", "witness");
      PeerHost witnessHost = PeerHost.start(vertx, PeerHostConfig.from(new Env(witnessEnv)));
      stack.add(0, witnessHost);
      HostedPeer witness = witnessHost.peers().get(0);

      int port = LocalPorts.free();
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-jar", jar.toString()).redirectErrorStream(true)
          .redirectOutput(tmp.resolve("paused-peer.log").toFile());
      pb.environment().putAll(peerEnv);
      pb.environment().putAll(Map.of("PEER_ID", PAUSED, "HTTP_PORT", Integer.toString(port)));
      peer = pb.start();
      String peerUrl = "http://127.0.0.1:" + port;
      await("peer JVM announced").atMost(Duration.ofSeconds(30))
          .until(() -> status(http, trackerUrl + "/peers/" + PAUSED) == 200);

      JsonObject segment = new JsonObject(get(http, edgeUrl + "/songs/coffee").bodyAsString())
          .getJsonArray("renditions").getJsonObject(0).getJsonArray("segments").getJsonObject(0);
      String segmentId = segment.getString("segmentId");
      HttpResponse<Buffer> played = get(http, peerUrl + "/segments/" + segmentId);
      assertThat(played.statusCode()).isEqualTo(200);
      assertThat(played.getHeader("X-CDN-Source")).isIn("edge", "origin");
      await("the tracker lists the peer JVM for " + segmentId).atMost(Duration.ofSeconds(10))
          .until(() -> holders(http, trackerUrl, segmentId).contains(PAUSED));

      signal("STOP", peer.pid());
      long stoppedAt = System.nanoTime();
      await("the tracker expired the stopped peer").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> status(http, trackerUrl + "/peers/" + PAUSED) == 404);
      long expiredAfterMs = (System.nanoTime() - stoppedAt) / 1_000_000;
      // Its last heartbeat came up to H before the stop: expiry is due TTL - H after it at the earliest.
      assertThat(expiredAfterMs).as("expired after the stop, ms").isGreaterThanOrEqualTo(1500 - HEARTBEAT_MS);
      // Paused for longer than the TTL (twice it), as a long GC pause or SIGSTOP would.
      await("paused 2 x TTL").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
          .until(() -> System.nanoTime() - stoppedAt >= Duration.ofMillis(3000).toNanos());
      long pausedMs = (System.nanoTime() - stoppedAt) / 1_000_000;
      assertThat(holders(http, trackerUrl, segmentId)).doesNotContain(PAUSED);
      assertThat(new JsonObject(get(http, trackerUrl + "/stats").bodyAsString()).getLong("expirations"))
          .isGreaterThanOrEqualTo(1);

      signal("CONT", peer.pid());
      long resumedAt = System.nanoTime();
      await("readmitted with its holdings").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> status(http, trackerUrl + "/peers/" + PAUSED) == 200
              && holders(http, trackerUrl, segmentId).contains(PAUSED));
      long readmittedMs = (System.nanoTime() - resumedAt) / 1_000_000;
      System.out.printf("ReadmissionIT: expired %d ms after SIGSTOP, paused %d ms (TTL 1500 ms), back in /peers"
          + " and the lookup %d ms after SIGCONT (H = %d ms)%n", expiredAfterMs, pausedMs, readmittedMs, HEARTBEAT_MS);
      assertThat(readmittedMs).as("readmission time, ms").isLessThanOrEqualTo(2 * HEARTBEAT_MS + TOLERANCE_MS);
      assertThat(new JsonObject(get(http, trackerUrl + "/peers/" + PAUSED).bodyAsString()).getInteger("heldSegments"))
          .isEqualTo(1);

      // And the swarm uses it again: the witness gets the segment from the readmitted peer.
      HttpResponse<Buffer> fromPeer = get(http, witness.baseUrl() + "/segments/" + segmentId);
      assertThat(fromPeer.statusCode()).isEqualTo(200);
      assertThat(fromPeer.getHeader("X-CDN-Source")).isEqualTo("peer");
      assertThat(fromPeer.getHeader("X-CDN-Peer")).isEqualTo(PAUSED);
      assertThat(SegmentFetcher.sha256(fromPeer.body())).isEqualTo(segment.getString("sha256"));
    } finally {
      if (peer != null) {
        peer.destroyForcibly(); // SIGKILL ends a stopped process too
        peer.waitFor(10, TimeUnit.SECONDS);
      }
      for (AutoCloseable c : stack) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("closing " + c + ": " + e);
        }
      }
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }
  }

  static void signal(String signal, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %d", signal, pid).isTrue();
  }

  static HttpResponse<Buffer> get(WebClient http, String url) throws Exception {
    return http.getAbs(url).send().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static int status(WebClient http, String url) {
    try {
      return get(http, url).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static List<String> holders(WebClient http, String trackerUrl, String segmentId) {
    try {
      HttpResponse<Buffer> r = get(http, trackerUrl + "/segments/" + segmentId + "/peers?region=local&limit=10");
      if (r.statusCode() != 200) {
        return List.of();
      }
      return r.bodyAsJsonObject().getJsonArray("holders").stream().map(h -> ((JsonObject) h).getString("peerId"))
          .toList();
    } catch (Exception e) {
      return List.of();
    }
  }
}
