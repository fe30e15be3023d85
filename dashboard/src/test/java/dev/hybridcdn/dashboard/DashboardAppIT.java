package dev.hybridcdn.dashboard;

import static dev.hybridcdn.dashboard.feed.Events.delivered;
import static dev.hybridcdn.dashboard.feed.Events.edge;
import static dev.hybridcdn.dashboard.feed.Events.joined;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard on a real broker: the live feed folds the events of the topics into the ticks of
 * {@code GET /api/feed}, counts a poison record without dead-lettering it, lists a dead letter by its
 * headers; the pages and the bundled libraries are served; an upstream that does not answer is a 502
 * envelope.
 */
class DashboardAppIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static TopicRegistry topics;
  static DashboardApp app;
  static KafkaProducer<byte[], byte[]> producer;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    String prefix = KAFKA.uniquePrefix("dashboard-app");
    topics = new TopicRegistry(prefix);
    try (Admin admin = Admin.create(TopicAdmin.adminConfig(KAFKA.bootstrapServers(), Duration.ofSeconds(30)))) {
      TopicAdmin.ensureTopics(admin, topics, TopicAdmin.AUTO_REPLICATION, Duration.ofSeconds(30));
    }
    // nothing listens on port 1: topology, tracker and origin are down for this test
    app = DashboardApp.start(DashboardConfig.from(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(),
        "TOPIC_PREFIX", prefix, "HTTP_PORT", "0", "DASHBOARD_TICK_MS", "200", "TOPOLOGY_URL", "http://127.0.0.1:1",
        "TRACKER_URL", "http://127.0.0.1:1", "ORIGIN_URL", "http://127.0.0.1:1"))));
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/health").statusCode() == 200);
  }

  @AfterAll
  static void stop() {
    if (producer != null) {
      producer.close();
    }
    if (app != null) {
      app.close();
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(app.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The latest tick: the last of the history a new subscription starts with. */
  static JsonObject latestTick() throws Exception {
    HttpResponse<Stream<String>> r = HTTP.send(HttpRequest.newBuilder(URI.create(app.url() + "/api/feed")).build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    try (Stream<String> lines = r.body()) {
      List<String> first = lines.limit(2).toList();
      assertThat(first.get(0)).isEqualTo("event: history");
      JsonArray history = new JsonArray(first.get(1).substring("data: ".length()));
      assertThat(history).as("ticks so far").isNotEmpty();
      return history.getJsonObject(history.size() - 1);
    }
  }

  static void send(CdnTopic topic, String key, SpecificRecord event) throws Exception {
    String name = topics.name(topic);
    producer.send(new ProducerRecord<>(name, key.getBytes(), topics.codec().encode(name, event))).get(10, TimeUnit.SECONDS);
  }

  @Test
  void theFeedFoldsTheEventTopicsAndSkipsWhatItCannotReadWithoutDeadLetteringIt() throws Exception {
    send(CdnTopic.PEER_EVENTS, "p1", joined("p1"));
    send(CdnTopic.DELIVERY_EVENTS, "p1", delivered("p1", Tier.PEER, "p2", 3000));
    send(CdnTopic.DELIVERY_EVENTS, "p1", delivered("p1", Tier.LOCAL, "p1", 1000));
    send(CdnTopic.EDGE_EVENTS, "edge-1", edge("edge-1", EdgeResult.HIT_DB, 500));
    String deliveries = topics.name(CdnTopic.DELIVERY_EVENTS);
    producer.send(new ProducerRecord<>(deliveries, "p1".getBytes(), "poison".getBytes())).get(10, TimeUnit.SECONDS);
    producer.send(DeadLetters.record(topics.name(CdnTopic.DEAD_LETTERS), topics.name(CdnTopic.PEER_EVENTS), 2, 7L,
        "k".getBytes(), "v".getBytes(), new IllegalStateException("bad heartbeat"), "cdn-tracker")).get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      JsonObject t = latestTick();
      assertThat(t.getJsonObject("feed").getLong("undecodable")).isEqualTo(1);
      assertThat(t.getJsonObject("shares").getJsonObject("total").getDouble("p2pShare")).isEqualTo(0.75);
      assertThat(t.getJsonObject("shares").getJsonObject("total").getDouble("cdnOffload")).isEqualTo(1 - 500 / 4000.0);
      assertThat(t.getJsonObject("churn").getJsonObject("total").getLong("joins")).isEqualTo(1);
      assertThat(t.getJsonArray("edges").getJsonObject(0).getDouble("hitRatio")).isEqualTo(1.0);
      JsonObject dl = t.getJsonObject("deadLetters");
      assertThat(dl.getLong("total")).isEqualTo(1);
      assertThat(dl.getJsonArray("recent").getJsonObject(0).getString("application")).isEqualTo("cdn-tracker");
      assertThat(dl.getJsonArray("recent").getJsonObject(0).getString("error")).contains("bad heartbeat");
    });
    assertThat(deadLetterCount()).as("only the dead letter this test wrote: the dashboard only reads").isEqualTo(1);
  }

  static long deadLetterCount() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topics.name(CdnTopic.DEAD_LETTERS), 0);
      return c.endOffsets(List.of(tp)).get(tp);
    }
  }

  @Test
  void thePagesAndTheBundledLibrariesAreServed() throws Exception {
    assertThat(get("/").body()).contains("vendor/cytoscape.min.js", "vendor/echarts.min.js", "dashboard.js");
    assertThat(get("/player.html").body()).contains("vendor/hls.min.js");
    for (String lib : List.of("cytoscape.min.js", "echarts.min.js", "hls.min.js")) {
      HttpResponse<String> r = get("/vendor/" + lib);
      assertThat(r.statusCode()).as(lib).isEqualTo(200);
      assertThat(r.body().length()).as(lib).isGreaterThan(100_000);
    }
    assertThat(get("/nope.html").statusCode()).isEqualTo(404);
  }

  @Test
  void anUpstreamThatDoesNotAnswerIsA502Envelope() throws Exception {
    for (String path : List.of("/api/path?from=a&to=b", "/api/peers", "/api/songs")) {
      HttpResponse<String> r = get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(502);
      assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("upstream_unavailable");
    }
    assertThat(get("/ws/topology").statusCode()).as("not an upgrade").isEqualTo(400);
  }
}
