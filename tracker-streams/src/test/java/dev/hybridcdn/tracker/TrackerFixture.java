package dev.hybridcdn.tracker;

import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Shared helpers of the integration tests: a test config, an event producer and a blocking HTTP client. */
final class TrackerFixture implements AutoCloseable {
  final String prefix;
  final TopicRegistry topics;
  final KafkaProducer<String, SpecificRecord> producer;
  final String bootstrap;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  TrackerFixture(String bootstrap, String prefix) {
    this.bootstrap = bootstrap;
    this.prefix = prefix;
    this.topics = new TopicRegistry(prefix);
    this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), topics.valueSerde().serializer());
  }

  /** Test-friendly settings: short TTL and punctuation, fast commits, small session timeout. */
  TrackerConfig config(Path stateDir, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("HTTP_PORT", "0", "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOPIC_PREFIX", prefix, "TRACKER_APPLICATION_ID", prefix + "tracker", "TRACKER_HEARTBEAT_INTERVAL_MS", "500",
        "TRACKER_PEER_TTL_MS", "1500", "TRACKER_PUNCTUATE_INTERVAL_MS", "100", "TRACKER_STATE_DIR", stateDir.toString(),
        "TRACKER_COMMIT_INTERVAL_MS", "100", "TRACKER_SESSION_TIMEOUT_MS", "6000"));
    env.put("TRACKER_REQUIRE_CATALOG", "false"); // these tests publish no songs
    env.putAll(extra);
    return TrackerConfig.from(new Env(env));
  }

  /** Awaitility's wait for {@code what}, at most {@code timeout}, checking every 50 ms from the start. */
  static ConditionFactory within(String what, Duration timeout) {
    return Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50));
  }

  void send(CdnTopic topic, String key, SpecificRecord event) {
    producer.send(new ProducerRecord<>(topics.name(topic), key, event));
  }

  void join(String peer, String region) {
    send(CdnTopic.PEER_EVENTS, peer, new PeerJoined(peer, region, "http://127.0.0.1:1/" + peer, 4, 1_000_000L,
        System.currentTimeMillis()));
  }

  void heartbeat(String peer) {
    send(CdnTopic.PEER_EVENTS, peer, new PeerHeartbeat(peer, System.currentTimeMillis(), 1, 1L, 0, 0L, 0L, 5.0));
  }

  void cache(String peer, String segment) {
    send(CdnTopic.SEGMENT_EVENTS, peer, new SegmentCached(peer, segment, 1000L, "ab", System.currentTimeMillis()));
  }

  record Answer(int status, JsonObject body, HttpResponse<String> raw) {}

  Answer get(int port, String pathAndQuery) {
    return get(port, pathAndQuery, Map.of());
  }

  Answer get(int port, String pathAndQuery, Map<String, String> headers) {
    try {
      HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
          .timeout(Duration.ofSeconds(10)).GET();
      headers.forEach(req::header);
      HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
      JsonObject body = r.body().startsWith("{") ? new JsonObject(r.body()) : null;
      return new Answer(r.statusCode(), body, r);
    } catch (IOException e) {
      return new Answer(-1, null, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
