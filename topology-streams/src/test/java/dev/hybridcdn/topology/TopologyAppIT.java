package dev.hybridcdn.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two real instances of the app against a real broker. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TopologyAppIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  static Path stateDir;

  private static String prefix;
  private static Vertx vertx;
  private static TopologyApp first;
  private static TopologyApp second;
  private static TopicRegistry topics;
  private static KafkaProducer<String, SpecificRecord> producer;
  private static WebClient client;

  @BeforeAll
  static void start() {
    prefix = KAFKA.uniquePrefix("topology");
    vertx = Vertx.vertx();
    first = TopologyApp.start(vertx, config(prefix, "one"));
    second = TopologyApp.start(config(prefix, "two")); // its own Vert.x
    topics = new TopicRegistry(prefix);
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), topics.valueSerde().serializer());
    client = WebClient.create(vertx);
  }

  private static TopologyConfig config(String prefix, String instance) {
    return TopologyConfig.from(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(),
        "TOPIC_PREFIX", prefix, "HTTP_PORT", "0", "TOPOLOGY_APPLICATION_ID", prefix + "topology",
        "TOPOLOGY_INSTANCE_ID", instance, "TOPOLOGY_STATE_DIR", stateDir.resolve(instance).toString())));
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    if (second != null) {
      second.close();
    }
    if (first != null) {
      first.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<Buffer> get(TopologyApp app, String uri) throws Exception {
    return await(client.get(app.port(), "127.0.0.1", uri).send());
  }

  private static void send(String topic, String key, SpecificRecord event) throws Exception {
    producer.send(new ProducerRecord<>(topics.name(CdnTopic.valueOf(topic)), key, event)).get(10, TimeUnit.SECONDS);
  }

  private static LinkMeasured link(String from, String to, double rttMs) {
    return LinkMeasured.newBuilder().setFromId(from).setToId(to).setToKind(NodeKind.PEER).setToRegion(null)
        .setRttMs(rttMs).setSamples(3).setTs(System.currentTimeMillis()).build();
  }

  @Test
  void bothInstancesAreHealthyAndAnswerTheSamePaths() throws Exception {
    for (TopologyApp app : List.of(first, second)) {
      JsonObject health = get(app, "/health").bodyAsJsonObject();
      assertThat(health.getString("status")).isEqualTo("UP");
    }
    Random random = new Random(7);
    int peers = 30;
    int links = 0;
    for (int i = 0; i < peers; i++) {
      send("PEER_EVENTS", "s" + i, PeerJoined.newBuilder().setPeerId("s" + i).setRegion(i % 2 == 0 ? "eu-west" : "us-east")
          .setBaseUrl("http://127.0.0.1:" + (9000 + i)).setUploadSlots(4).setCacheCapacityBytes(1 << 20)
          .setTs(System.currentTimeMillis()).build());
    }
    java.util.Set<String> pairs = new java.util.HashSet<>();
    while (pairs.size() < 60) {
      int a = random.nextInt(peers);
      int b = random.nextInt(peers);
      if (a != b && pairs.add(Math.min(a, b) + "-" + Math.max(a, b))) {
        send("LINK_EVENTS", "s" + a, link("s" + a, "s" + b, 1 + random.nextInt(100000) / 1000.0));
        links++;
      }
    }
    send("LINK_EVENTS", "s0", LinkMeasured.newBuilder(link("s0", "edge-eu", 3)).setToKind(NodeKind.EDGE)
        .setToRegion("eu-west").build());
    int expectedLinks = links + 1;
    for (TopologyApp app : List.of(first, second)) {
      Awaitility.await("all links on port " + app.port()).atMost(Duration.ofSeconds(30))
          .until(() -> app.graph().linkCount() == expectedLinks);
    }
    assertThat(get(second, "/topology").bodyAsJsonObject()).isEqualTo(get(first, "/topology").bodyAsJsonObject());

    List<String> queries = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      queries.add("from=s" + random.nextInt(peers) + "&to=" + (i % 10 == 0 ? "edge-eu" : "s" + random.nextInt(peers)));
    }
    int answered = 0;
    for (String q : queries) {
      for (String metric : List.of("hops", "rtt")) {
        HttpResponse<Buffer> a = get(first, "/path?" + q + "&metric=" + metric);
        HttpResponse<Buffer> b = get(second, "/path?" + q + "&metric=" + metric);
        assertThat(b.statusCode()).as(q).isEqualTo(a.statusCode());
        assertThat(b.bodyAsJsonObject()).as(q + " " + metric).isEqualTo(a.bodyAsJsonObject());
        if (a.statusCode() == 200) {
          answered++;
        }
      }
    }
    assertThat(answered).isGreaterThan(40);

    // s1 expires (tracker-streams' PeerExpired): it leaves every path on both instances.
    String via = null;
    for (String q : queries) {
      JsonObject p = get(first, "/path?" + q + "&metric=rtt").bodyAsJsonObject();
      if (p.getJsonArray("path") != null && p.getJsonArray("path").size() > 2) {
        via = p.getJsonArray("path").getString(1);
        break;
      }
    }
    assertThat(via).isNotNull();
    String gone = via;
    send("PEER_EXPIRATIONS", gone, PeerExpired.newBuilder().setPeerId(gone).setLastSeen(0)
        .setTs(System.currentTimeMillis()).build());
    for (TopologyApp app : List.of(first, second)) {
      Awaitility.await(gone + " gone on port " + app.port()).atMost(Duration.ofSeconds(10))
          .until(() -> app.graph().node(gone).isEmpty());
      assertThat(get(app, "/path?from=" + gone + "&to=s0").statusCode()).isEqualTo(404);
      for (String q : queries) {
        if (q.contains("=" + gone + "&") || q.endsWith("=" + gone)) {
          continue;
        }
        JsonObject p = get(app, "/path?" + q + "&metric=rtt").bodyAsJsonObject();
        if (p.containsKey("path")) {
          assertThat(p.getJsonArray("path").getList()).as(q).doesNotContain(gone);
        }
      }
    }
  }

  @Test
  @Order(Integer.MAX_VALUE) // its join and leave rebalance the group: run it after the others
  void aNewInstanceLoadsTheWholeGraphFromTheGlobalStore() throws Exception {
    send("LINK_EVENTS", "n0", link("n0", "n1", 4));
    send("LINK_EVENTS", "n1", link("n1", "n2", 6));
    Awaitility.await("n0-n1-n2 on the first instance").atMost(Duration.ofSeconds(30)).until(
        () -> first.graph().node("n0").isPresent() && first.graph().node("n2").isPresent());
    Awaitility.await("both instances agree").atMost(Duration.ofSeconds(30))
        .until(() -> first.graph().snapshot().equals(second.graph().snapshot()));
    try (TopologyApp third = TopologyApp.start(vertx, config(prefix, "three"))) {
      // start() returned: Streams is RUNNING, so the global store was restored into the graph.
      assertThat(third.graph().snapshot()).isEqualTo(first.graph().snapshot());
      JsonObject path = get(third, "/path?from=n0&to=n2&metric=rtt").bodyAsJsonObject();
      assertThat(path.getJsonArray("path").getList()).containsExactly("n0", "n1", "n2");
      assertThat(path.getDouble("rttMs")).isEqualTo(10.0);
    }
  }

  @Test
  void aWebSocketSubscriberSeesALinkChangeWithinOneSecondOfTheEvent() throws Exception {
    WebSocketClient wsClient = vertx.createWebSocketClient();
    List<JsonObject> messages = new CopyOnWriteArrayList<>();
    WebSocket ws = await(wsClient.webSocket() // the handler is set before the connection: the first frame is never missed
        .textMessageHandler(text -> messages.add(new JsonObject(text))).connect(second.port(), "127.0.0.1", "/ws/topology"));
    // The first frame is the graph as it stands; how soon it comes is not what this test measures (a busy
    // machine once took over 5 s), the 1 s from an event to its push below is.
    Awaitility.await("snapshot").atMost(Duration.ofSeconds(30)).until(() -> !messages.isEmpty());
    assertThat(messages.get(0).getString("type")).isEqualTo("snapshot");

    send("LINK_EVENTS", "w0", link("w0", "w1", 10)); // warm-up: the producer's metadata, first fetches
    Awaitility.await("warm-up change").atMost(Duration.ofSeconds(10)).until(() -> messages.stream()
        .anyMatch(m -> "link-upserted".equals(m.getString("type")) && "w0".equals(m.getString("from"))));

    send("LINK_EVENTS", "w0", link("w0", "w3", 12.5)); // same key, same partition: steady state
    // Bounded by the requirement: the subscriber has the change within 1 s of the event.
    Awaitility.await("link w0-w3 pushed within 1 s").atMost(Duration.ofSeconds(1)).until(() -> messages.stream()
        .anyMatch(m -> "link-upserted".equals(m.getString("type")) && "w0".equals(m.getString("from"))
            && "w3".equals(m.getString("to")) && m.getDouble("rttMs") == 12.5));
    await(ws.close());
    await(wsClient.close());
  }

  @Test
  void aPoisonRecordIsDeadLetteredAndTheAppGoesOn() throws Exception {
    byte[] poison = "not an event".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        KAFKA.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(topics.name(CdnTopic.LINK_EVENTS), "x0", poison)).get(10, TimeUnit.SECONDS);
    }
    send("LINK_EVENTS", "x0", link("x0", "x0", 5)); // self-loop: rejected
    send("LINK_EVENTS", "x0", link("x0", "x1", 5));
    Awaitility.await("x0-x1 on both").atMost(Duration.ofSeconds(30)).until(() -> first.graph().node("x1").isPresent()
        && second.graph().node("x1").isPresent());

    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG,
        "dlq-reader-" + System.nanoTime(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topics.name(CdnTopic.DEAD_LETTERS)));
      List<ConsumerRecord<String, byte[]>> letters = new CopyOnWriteArrayList<>();
      Awaitility.await("two dead letters").atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(letters::add);
        return letters.stream().filter(r -> "x0".equals(r.key())).count() >= 2;
      });
      ConsumerRecord<String, byte[]> undecodable = letters.stream().filter(r -> "x0".equals(r.key()))
          .filter(r -> java.util.Arrays.equals(r.value(), poison)).findFirst().orElseThrow();
      assertThat(DeadLetters.header(undecodable.headers(), DeadLetters.SOURCE_TOPIC))
          .isEqualTo(topics.name(CdnTopic.LINK_EVENTS));
      assertThat(DeadLetters.header(undecodable.headers(), DeadLetters.SOURCE_OFFSET)).isNotNull();
      assertThat(letters.stream().filter(r -> "x0".equals(r.key()))
          .map(r -> DeadLetters.header(r.headers(), DeadLetters.ERROR))).anyMatch(e -> e.contains("self-loop"));
    }
    assertThat(first.graph().node("x0")).isPresent();
    assertThat(first.graph().neighbors("x0")).extracting(n -> n.id()).containsExactly("x1");
  }
}
