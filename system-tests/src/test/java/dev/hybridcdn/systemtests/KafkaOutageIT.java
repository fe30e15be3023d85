package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaProcess;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka outage (issue 12, items 3 and the outage goal): the broker is its own process
 * ({@link KafkaProcess}), killed with {@code kill -9} for 4 x the peer TTL while three peers
 * heartbeat every 500 ms, then restarted on the same port and data directory. The tracker (this
 * JVM, TTL 1.5 s) must expire no live peer (its {@code /peers} lists all three throughout and after,
 * {@code cdn_tracker_expirations_total} stays 0), and every event the peers produced, those of the
 * outage included (buffered by their EventPublisher), must be on the topics afterwards.
 */
class KafkaOutageIT {
  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  static final long HEARTBEAT_MS = 500;
  static final long TTL_MS = 1500;
  static final Duration OUTAGE = Duration.ofMillis(4 * TTL_MS);
  static final List<String> PEERS = List.of("outage-1", "outage-2", "outage-3");

  @Test
  void aBrokerKilledForFourTtlsExpiresNoLivePeerAndLosesNoEvent(@TempDir Path tmp) throws Exception {
    Vertx vertx = Vertx.vertx();
    WebClient http = WebClient.create(vertx);
    TrackerApp tracker = null;
    PeerHost host = null;
    KafkaProcess kafka = KafkaProcess.start(tmp.resolve("kafka"), KafkaProcess.classPath(ROOT.resolve("ops/target/lib")));
    try {
      String prefix = "outage.";
      Map<String, String> common = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "TOPIC_PREFIX", prefix);
      Map<String, String> trackerEnv = new HashMap<>(common);
      trackerEnv.putAll(Map.of("HTTP_PORT", "0", "TRACKER_APPLICATION_ID", "outage-tracker",
          "TRACKER_HEARTBEAT_INTERVAL_MS", Long.toString(HEARTBEAT_MS), "TRACKER_PEER_TTL_MS", Long.toString(TTL_MS),
          "TRACKER_PUNCTUATE_INTERVAL_MS", "100", "TRACKER_STATE_DIR", tmp.resolve("tracker").toString(),
          "TRACKER_STANDBY_REPLICAS", "0", "TRACKER_HTTP_INSTANCES", "1", "TRACKER_SESSION_TIMEOUT_MS", "6000"));
      tracker = TrackerApp.start(vertx, TrackerConfig.from(new Env(trackerEnv)));
      String trackerUrl = "http://127.0.0.1:" + tracker.port();

      Map<String, String> peerEnv = new HashMap<>(common);
      peerEnv.putAll(Map.of("PEER_COUNT", "3", "PEER_ID_PREFIX", "outage-", "HTTP_PORT", "0", "BIND_HOST",
          "127.0.0.1", "REGION", "local", "EDGE_URLS", "http://127.0.0.1:1", "TRACKER_URL", trackerUrl,
          "HEARTBEAT_MS", Long.toString(HEARTBEAT_MS)));
      host = PeerHost.start(vertx, PeerHostConfig.from(new Env(peerEnv)));
      PeerHost peers = host;
      await("the tracker lists the three peers").atMost(Duration.ofSeconds(30))
          .until(() -> livePeers(http, trackerUrl).containsAll(PEERS));
      long expirationsBefore = expirations(http, trackerUrl);
      assertThat(expirationsBefore).isZero();

      kafka.kill();
      long killedAt = System.currentTimeMillis();
      AtomicInteger answersDuringOutage = new AtomicInteger();
      await("the outage").during(OUTAGE).atMost(OUTAGE.plusSeconds(5)).pollInterval(Duration.ofMillis(250))
          .until(() -> {
            List<String> live = livePeers(http, trackerUrl);
            if (live != null) {
              answersDuringOutage.incrementAndGet();
            }
            return live == null || live.containsAll(PEERS); // 503 allowed, a shorter list is not
          });
      long bufferedAtRestart = peers.publisher().buffered();
      kafka.restart();
      long restartedAt = System.currentTimeMillis();

      await("the peers' buffered events delivered").atMost(Duration.ofSeconds(40))
          .until(() -> peers.publisher().buffered() == 0);
      // Past the reaper's grace (one TTL after input resumed) and then some: still nobody expired.
      await("no expiry after the outage").during(Duration.ofMillis(3 * TTL_MS)).atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250)).until(() -> {
            List<String> live = livePeers(http, trackerUrl);
            return live != null && live.containsAll(PEERS) && expirations(http, trackerUrl) == expirationsBefore;
          });
      assertThat(peers.publisher().failed()).isZero();
      assertThat(peers.publisher().droppedCount()).isZero();

      // Stop producing (every peer leaves cleanly, the publisher flushes), then count.
      peers.close();
      assertThat(peers.publisher().failed()).isZero();
      assertThat(peers.publisher().buffered()).isZero();
      TopicRegistry topics = CommonConfig.from(new Env(common)).topics();
      long sent = peers.publisher().sent();
      List<SpecificRecord> found = readAll(kafka.bootstrapServers(), topics);
      long heartbeatsOfTheOutage = found.stream().filter(e -> e instanceof PeerHeartbeat h
          && h.getTs() > killedAt && h.getTs() < restartedAt).count();
      System.out.printf("KafkaOutageIT: broker down %d ms (TTL %d ms); tracker answered /peers %d times during it;"
          + " %d events buffered at restart; produced %d, found %d on the topics (%d heartbeats made during the"
          + " outage); expirations %d%n", restartedAt - killedAt, TTL_MS, answersDuringOutage.get(), bufferedAtRestart,
          sent, found.size(), heartbeatsOfTheOutage, expirations(http, trackerUrl) - expirationsBefore);
      assertThat(found).as("events on the topics vs events the peers' publisher had acknowledged").hasSize((int) sent);
      // Three peers, one heartbeat per 500 ms each, over the whole outage (less a beat at each end).
      assertThat(heartbeatsOfTheOutage).isGreaterThanOrEqualTo(3 * ((restartedAt - killedAt) / HEARTBEAT_MS - 2));
    } finally {
      if (host != null) {
        host.close();
      }
      if (tracker != null) {
        tracker.close();
      }
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
      kafka.close();
      Path log = tmp.resolve("kafka/broker.log");
      if (java.nio.file.Files.exists(log)) { // kept for a failure's post-mortem
        java.nio.file.Files.copy(log, Path.of("target/KafkaOutageIT-broker.log"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** Peer ids in the tracker's {@code /peers}, or null when it does not answer 200. */
  /**
   * The tracker's live peer ids; null when it does not answer 200 within 3 s (a peer's lookup gives
   * up sooner and asks the edge, so a slow answer during an outage counts as no answer, not a hang).
   */
  static List<String> livePeers(WebClient http, String trackerUrl) {
    try {
      HttpResponse<Buffer> r = http.getAbs(trackerUrl + "/peers").timeout(3000).send().toCompletionStage()
          .toCompletableFuture().get(5, TimeUnit.SECONDS);
      if (r.statusCode() != 200) {
        return null;
      }
      return r.bodyAsJsonObject().getJsonArray("peers").stream().map(p -> ((JsonObject) p).getString("peerId"))
          .toList();
    } catch (Exception e) {
      return null;
    }
  }

  static long expirations(WebClient http, String trackerUrl) throws Exception {
    return new JsonObject(http.getAbs(trackerUrl + "/stats").send().toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).bodyAsString()).getLong("expirations");
  }

  /** Every event on the topics peers write, from the beginning to the current end. */
  static List<SpecificRecord> readAll(String bootstrap, TopicRegistry topics) {
    List<SpecificRecord> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrap, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (CdnTopic t : List.of(CdnTopic.PEER_EVENTS, CdnTopic.SEGMENT_EVENTS, CdnTopic.LINK_EVENTS,
          CdnTopic.DELIVERY_EVENTS)) {
        c.partitionsFor(topics.name(t), Duration.ofSeconds(30))
            .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      }
      c.assign(partitions);
      c.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = c.endOffsets(partitions);
      await("read every topic to its end").atMost(Duration.ofSeconds(30)).until(() -> {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
          out.add(topics.codec().decode(r.topic(), r.value()));
        }
        return partitions.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
      });
    }
    return out;
  }
}
