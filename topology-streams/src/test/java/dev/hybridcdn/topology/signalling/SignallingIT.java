package dev.hybridcdn.topology.signalling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentInfo;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.topology.TopologyApp;
import dev.hybridcdn.topology.TopologyConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code WS /ws/signalling} on a real topology app with a real broker: rooms, malformed frames, rate limit, orders. */
class SignallingIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  @TempDir
  static Path stateDir;

  private static Vertx vertx;
  private static TopologyApp app;
  private static TopicRegistry topics;
  private static KafkaProducer<String, SpecificRecord> producer;
  private static WebSocketClient wsClient;

  @BeforeAll
  static void start() {
    String prefix = KAFKA.uniquePrefix("signalling");
    vertx = Vertx.vertx();
    app = TopologyApp.start(vertx, TopologyConfig.from(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(),
        "TOPIC_PREFIX", prefix, "HTTP_PORT", "0", "TOPOLOGY_APPLICATION_ID", prefix + "topology",
        "TOPOLOGY_STATE_DIR", stateDir.toString(), "SIGNALLING_RATE", "20", "SIGNALLING_PUSH_SEGMENTS", "2",
        "SIGNALLING_PUSH_PEERS", "1"))));
    topics = new TopicRegistry(prefix);
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), topics.valueSerde().serializer());
    wsClient = vertx.createWebSocketClient();
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(app::signallingFollowing);
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
    if (app != null) {
      app.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A test peer's connection: every frame it receives, in order. */
  private record Client(WebSocket ws, BlockingQueue<JsonObject> received) {
    void send(String frame) {
      ws.writeTextMessage(frame);
    }

    JsonObject next(String type) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        JsonObject m = received.poll(deadline - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
        if (m != null && m.getString("type").equals(type)) {
          return m;
        }
      }
      throw new AssertionError("no " + type + " frame within 20 s");
    }

    JsonObject error(String frame) throws InterruptedException {
      send(frame);
      return next("error");
    }
  }

  private static long pushes(Client c) {
    return c.received().stream().filter(m -> "push".equals(m.getString("type"))).count();
  }

  private static Client connect() throws Exception {
    BlockingQueue<JsonObject> q = new LinkedBlockingQueue<>();
    WebSocket ws = wsClient.connect(app.port(), "127.0.0.1", "/ws/signalling").toCompletionStage()
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    ws.textMessageHandler(t -> q.add(new JsonObject(t)));
    return new Client(ws, q);
  }

  private static Client hello(String peerId, String region) throws Exception {
    Client c = connect();
    c.send(new JsonObject().put("type", "hello").put("peerId", peerId).put("region", region).encode());
    assertThat(c.next("welcome").getString("peerId")).isEqualTo(peerId);
    return c;
  }

  private static void send(CdnTopic topic, String key, SpecificRecord event) throws Exception {
    producer.send(new ProducerRecord<>(topics.name(topic), key, event)).get(10, TimeUnit.SECONDS);
  }

  @Test
  void peersJoinARoomPerSongAndHearWhoJoinsAndWhatTheyPlay() throws Exception {
    Client a = hello("room-a", "eu-west");
    Client b = hello("room-b", "eu-west");
    a.send("{\"type\":\"join\",\"songId\":\"room-song\"}");
    assertThat(a.next("joined").getJsonArray("members").getList()).containsExactly("room-a");
    b.send("{\"type\":\"playing\",\"songId\":\"room-song\",\"rendition\":\"128k\",\"index\":4}");
    assertThat(b.next("joined").getJsonArray("members").getList()).containsExactly("room-a", "room-b");
    JsonObject joined = a.next("member");
    assertThat(joined.getString("event")).isEqualTo("joined");
    assertThat(joined.getString("peerId")).isEqualTo("room-b");
    JsonObject playing = a.next("playing");
    assertThat(playing.getString("peerId")).isEqualTo("room-b");
    assertThat(playing.getInteger("index")).isEqualTo(4);
    assertThat(playing.getString("rendition")).isEqualTo("128k");
    // A room is per song: a peer in another room hears nothing of this one.
    Client c = hello("room-c", "eu-west");
    c.send("{\"type\":\"join\",\"songId\":\"other-song\"}");
    c.next("joined");
    await(b.ws().close());
    JsonObject left = a.next("member");
    assertThat(left.getString("event")).isEqualTo("left");
    assertThat(left.getString("peerId")).isEqualTo("room-b");
    assertThat(c.received()).noneMatch(m -> "room-song".equals(m.getString("songId")));
    await(a.ws().close());
    await(c.ws().close());
  }

  @Test
  void aRoomWhosePeersAllLeaveAtOnceIsGoneWithThem() throws Exception {
    // Each leaving peer is announced to the others, whose connections are closing meanwhile on the
    // server's other event loop (a swarm shutting down): no announcement may stop the hub's cleanup.
    // Asked of this room and these peers only: the hub's totals still change while earlier tests'
    // closes are processed.
    SignallingHub hub = app.signalling();
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Client c = hello("mass-" + i, "eu-west");
      c.send("{\"type\":\"join\",\"songId\":\"mass-song\"}");
      c.next("joined");
      clients.add(c);
    }
    assertThat(hub.roomSize("mass-song")).isEqualTo(40);
    clients.forEach(c -> c.ws().close());
    Awaitility.await("every peer and the room gone").atMost(Duration.ofSeconds(20))
        .until(() -> hub.roomSize("mass-song") == 0
            && IntStream.range(0, 40).noneMatch(i -> hub.isConnected("mass-" + i)));
  }

  @Test
  void malformedFramesGetErrorFramesAndTheConnectionStaysUsable() throws Exception {
    Client c = connect();
    assertThat(c.error("{\"type\":\"join\",\"songId\":\"s\"}").getString("reason")).isEqualTo("hello_first");
    c.send("{\"type\":\"hello\",\"peerId\":\"bad-1\",\"region\":\"eu-west\"}");
    c.next("welcome");
    assertThat(c.error("not json at all").getString("reason")).isEqualTo("not_json");
    assertThat(c.error("[1,2,3]").getString("reason")).isEqualTo("not_json");
    assertThat(c.error("{\"type\":\"shout\"}").getString("reason")).isEqualTo("unknown_type");
    assertThat(c.error("{\"songId\":\"s\"}").getString("reason")).isEqualTo("unknown_type");
    assertThat(c.error("{\"type\":\"join\"}").getString("reason")).isEqualTo("missing_field");
    assertThat(c.error("{\"type\":\"join\",\"songId\":\"../etc\"}").getString("reason")).isEqualTo("invalid_field");
    assertThat(c.error("{\"type\":\"playing\",\"songId\":\"s\",\"rendition\":\"128k\",\"index\":-1}")
        .getString("reason")).isEqualTo("invalid_field");
    assertThat(c.error("{\"type\":\"playing\",\"songId\":\"s\",\"rendition\":\"128k\",\"index\":\"0\"}")
        .getString("reason")).isEqualTo("invalid_field");
    assertThat(c.error("{\"type\":\"join\",\"songId\":\"s\",\"admin\":true}").getString("reason"))
        .isEqualTo("unexpected_field");
    assertThat(c.error("{\"type\":\"hello\",\"peerId\":\"someone-else\",\"region\":\"eu-west\"}").getString("reason"))
        .isEqualTo("hello_once");
    assertThat(c.error("{\"type\":\"join\",\"songId\":\"" + "x".repeat(2000) + "\"}").getString("reason"))
        .isEqualTo("frame_too_large");
    c.ws().writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
    assertThat(c.next("error").getString("reason")).isEqualTo("not_json");
    // Still open and served.
    c.send("{\"type\":\"join\",\"songId\":\"after-errors\"}");
    assertThat(c.next("joined").getString("songId")).isEqualTo("after-errors");
    assertThat(c.ws().isClosed()).isFalse();
    await(c.ws().close());
  }

  @Test
  void aFloodIsRateLimitedWithoutClosingTheConnection() throws Exception {
    Client c = hello("flood-1", "eu-west");
    for (int i = 0; i < 200; i++) {
      c.send("{\"type\":\"join\",\"songId\":\"flood\"}");
    }
    JsonObject limited = c.next("error");
    assertThat(limited.getString("reason")).isEqualTo("rate_limited");
    // The bucket refills at 20/s: within a few seconds the connection is served again.
    c.received().clear();
    Awaitility.await("served again once the bucket refilled").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(300)).until(() -> {
          c.send("{\"type\":\"leave\",\"songId\":\"flood\"}");
          c.send("{\"type\":\"join\",\"songId\":\"flood-after\"}");
          return c.received().stream().anyMatch(m -> "joined".equals(m.getString("type")));
        });
    assertThat(c.next("joined").getString("songId")).isEqualTo("flood-after");
    await(c.ws().close());
  }

  @Test
  void aPublishedSongsFirstSegmentsArePushedToOnePeerPerRegionWithoutIt() throws Exception {
    Client eu1 = hello("pub-eu-1", "pub-eu");
    Client eu2 = hello("pub-eu-2", "pub-eu");
    Client us1 = hello("pub-us-1", "pub-us");
    Client ap1 = hello("pub-ap-1", "pub-ap");
    // pub-ap already has a peer in the song's room: it holds the song, no push there.
    ap1.send("{\"type\":\"join\",\"songId\":\"fresh-song\"}");
    ap1.next("joined");
    List<SegmentInfo> segs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      segs.add(SegmentInfo.newBuilder().setSegmentId("fresh-song/64k/seg0000" + i + ".ts").setIndex(i)
          .setDurationMs(10_000).setBytes(80_000).setSha256("0".repeat(64)).build());
    }
    send(CdnTopic.CATALOG, "fresh-song", SongPublished.newBuilder().setSongId("fresh-song").setTitle("Fresh")
        .setDurationMs(50_000).setVersion(1).setTs(System.currentTimeMillis())
        .setRenditions(List.of(RenditionInfo.newBuilder().setName("64k").setBitrateKbps(64).setCodec("mp4a.40.2")
            .setSegments(segs).build())).build());
    JsonObject usPush = us1.next("push");
    assertThat(usPush.getString("songId")).isEqualTo("fresh-song");
    assertThat(usPush.getString("rendition")).isEqualTo("64k");
    assertThat(usPush.getJsonArray("indices").getList()).containsExactly(0, 1);
    assertThat(usPush.getString("reason")).isEqualTo("published");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
        eu1.received().stream().anyMatch(m -> "push".equals(m.getString("type")))
            || eu2.received().stream().anyMatch(m -> "push".equals(m.getString("type"))));
    // and no second order to the region for the next 500 ms
    Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> pushes(eu1) + pushes(eu2) <= 1);
    long euPushes = pushes(eu1) + pushes(eu2);
    assertThat(euPushes).as("SIGNALLING_PUSH_PEERS=1: one peer of the region").isEqualTo(1);
    assertThat(ap1.received()).noneMatch(m -> "push".equals(m.getString("type")));
    for (Client c : List.of(eu1, eu2, us1, ap1)) {
      await(c.ws().close());
    }
  }

  @Test
  void startingASongSpreadsItsSegmentsAlongThePathToTheNearestEdge() throws Exception {
    // Graph: path-a -- path-b -- path-c -- edge-near (cheap), path-a -- edge-far (expensive).
    for (String p : List.of("path-a", "path-b", "path-c")) {
      send(CdnTopic.PEER_EVENTS, p, PeerJoined.newBuilder().setPeerId(p).setRegion("eu-west")
          .setBaseUrl("http://127.0.0.1:1").setUploadSlots(4).setCacheCapacityBytes(1 << 20)
          .setTs(System.currentTimeMillis()).build());
    }
    send(CdnTopic.LINK_EVENTS, "path-a", link("path-a", "path-b", 2, NodeKind.PEER));
    send(CdnTopic.LINK_EVENTS, "path-b", link("path-b", "path-c", 2, NodeKind.PEER));
    send(CdnTopic.LINK_EVENTS, "path-c", link("path-c", "edge-near", 2, NodeKind.EDGE));
    send(CdnTopic.LINK_EVENTS, "path-a", link("path-a", "edge-far", 90, NodeKind.EDGE));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> app.graph().node("edge-near").isPresent()
        && app.graph().node("edge-far").isPresent());
    Client a = hello("path-a", "eu-west");
    Client b = hello("path-b", "eu-west");
    Client c = hello("path-c", "eu-west");
    a.send("{\"type\":\"start\",\"songId\":\"cold-song\",\"rendition\":\"128k\",\"segments\":9}");
    JsonObject path = a.next("path");
    assertThat(path.getJsonArray("path").getList()).containsExactly("path-a", "path-b", "path-c", "edge-near");
    assertThat(path.getString("edge")).isEqualTo("edge-near");
    assertThat(path.getString("reason")).isEqualTo("start");
    // 9 segments over a path of 4 nodes: 2 per node, in path order, the requester and the edge take none.
    JsonObject toB = b.next("push");
    assertThat(toB.getJsonArray("indices").getList()).containsExactly(0, 1);
    assertThat(toB.getString("reason")).isEqualTo("path");
    assertThat(c.next("push").getJsonArray("indices").getList()).containsExactly(2, 3);
    // path-b leaves: the requester gets the new path, now straight to the far edge.
    send(CdnTopic.PEER_EVENTS, "path-b", PeerLeft.newBuilder().setPeerId("path-b").setReason("test")
        .setTs(System.currentTimeMillis()).build());
    JsonObject changed = a.next("path");
    assertThat(changed.getString("reason")).isEqualTo("changed");
    assertThat(changed.getJsonArray("path").getList()).containsExactly("path-a", "edge-far");
    assertThat(changed.getString("edge")).isEqualTo("edge-far");
    for (Client x : List.of(a, b, c)) {
      await(x.ws().close());
    }
  }

  private static LinkMeasured link(String from, String to, double rtt, NodeKind kind) {
    return LinkMeasured.newBuilder().setFromId(from).setToId(to).setToKind(kind).setToRegion("eu-west")
        .setRttMs(rtt).setSamples(3).setTs(System.currentTimeMillis()).build();
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
