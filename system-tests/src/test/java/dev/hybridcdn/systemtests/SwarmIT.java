package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.peer.upload.UploadSlots;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import dev.hybridcdn.topology.TopologyApp;
import dev.hybridcdn.topology.TopologyConfig;
import dev.hybridcdn.tracker.TrackerApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The peer in the real network: origin (real FFmpeg ingest of the real mp3, PostgreSQL), an edge
 * (Redis, PostgreSQL), the tracker and the topology (Kafka Streams on a real broker), and real peers
 * on loopback. One stack for the class; the song is ingested once. Each test uses its own
 * segments or peers; only the first test needs an empty swarm and runs first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final Path SONG = Path.of("../media/manolo_camp-morning_coffee.mp3");
  static final String SONG_ID = "morning-coffee";
  static final long PEER_TTL_MS = 4000;

  static Vertx vertx;
  static Ingester ingester;
  static OriginServer origin;
  static EdgeServer edge;
  static String edgeUrl;
  static TrackerApp tracker;
  static TopologyApp topology;
  static PeerHost host;
  static WebClient http;
  static String trackerUrl;
  static JsonObject manifest;
  static Map<String, String> common;

  @BeforeAll
  static void startStack(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    String prefix = KAFKA.uniquePrefix("peer-swarm");
    // Signed events on (issue 16), as under ./cdn up: peers and the edge sign, tracker and topology require it.
    common = Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(), "TOPIC_PREFIX", prefix,
        "CLUSTER_SECRET", TrustSettings.newSecret());

    Services.Origin started = Services.startOrigin(vertx, common, PG, SONG, SONG_ID, "Morning Coffee");
    ingester = started.ingester();
    origin = started.server();

    edge = Services.startEdge(vertx, common, PG, REDIS, "edge-it", started.url(), Map.of());
    edgeUrl = "http://127.0.0.1:" + edge.port();

    tracker = Services.startTracker(vertx, common, prefix, tmp.resolve("tracker"),
        Map.of("TRACKER_PEER_TTL_MS", Long.toString(PEER_TTL_MS)));
    trackerUrl = "http://127.0.0.1:" + tracker.port();

    Map<String, String> topologyEnv = new HashMap<>(common);
    topologyEnv.put("HTTP_PORT", "0");
    topologyEnv.put("TOPOLOGY_APPLICATION_ID", prefix + "topology");
    topologyEnv.put("TOPOLOGY_STATE_DIR", tmp.resolve("topology").toString());
    topology = TopologyApp.start(vertx, TopologyConfig.from(new Env(topologyEnv)));

    Map<String, String> peerEnv = new HashMap<>(common);
    peerEnv.putAll(Map.of("PEER_COUNT", "2", "HTTP_PORT", "0", "BIND_HOST", "127.0.0.1", "REGION", "local",
        "EDGE_URLS", edgeUrl, "TRACKER_URL", trackerUrl, "HEARTBEAT_MS", "500",
        "READ_AHEAD", "0", "PEER_TIMEOUT_MS", "1500", "P2P_BUDGET_MS", "4000"));
    peerEnv.put("PLAYER_HEDGE_MS", "0"); // sources and attempts are asserted: no urgent hedge to the edge
    peerEnv.put("WARM_START_SONGS", "0"); // nor a warm start making B's first request local
    host = PeerHost.start(vertx, PeerHostConfig.from(new Env(peerEnv)));
    manifest = get(edgeUrl + "/songs/" + SONG_ID, null).bodyAsJsonObject();
  }

  @AfterAll
  static void stopStack() {
    Shutdown.closeAll(vertx, host, topology, tracker, edge, origin, ingester);
  }

  static HttpResponse<Buffer> get(String url, String peerRequester) throws Exception {
    return Services.get(http, url, peerRequester);
  }

  static List<JsonObject> segments(String rendition) {
    JsonArray renditions = manifest.getJsonArray("renditions");
    for (int i = 0; i < renditions.size(); i++) {
      JsonObject r = renditions.getJsonObject(i);
      if (r.getString("name").equals(rendition)) {
        List<JsonObject> list = new ArrayList<>();
        r.getJsonArray("segments").forEach(s -> list.add((JsonObject) s));
        return list;
      }
    }
    throw new AssertionError("no rendition " + rendition);
  }

  /** Holder ids the real tracker answers for a segment, asked as {@code requester}. */
  static List<String> holders(String segmentId, String requester) {
    try {
      HttpResponse<Buffer> r = get(trackerUrl + "/segments/" + segmentId + "/peers?region=local&exclude="
          + requester + "&limit=5", null);
      if (r.statusCode() != 200) {
        return List.of();
      }
      List<String> ids = new ArrayList<>();
      r.bodyAsJsonObject().getJsonArray("holders").forEach(h -> ids.add(((JsonObject) h).getString("peerId")));
      return ids;
    } catch (Exception e) {
      return List.of();
    }
  }

  static HostedPeer newPeer(String id) {
    PeerConfig t = host.config().template();
    return host.startPeer(t.withIdentity(id, "local", 0));
  }

  @Test
  @Order(1) // first, while no other peer holds any segment: A must get them from the edge
  void peerAPlaysThroughTheEdgeThenPeerBGetsTheSameSegmentsFromA() throws Exception {
    HostedPeer a = host.peers().get(0);
    HostedPeer b = host.peers().get(1);
    List<JsonObject> segs = segments("64k");
    for (JsonObject s : segs) {
      HttpResponse<Buffer> r = get(a.baseUrl() + "/segments/" + s.getString("segmentId"), null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("X-CDN-Source")).isEqualTo("origin"); // nobody asked the edge before: MISS
      assertThat(r.getHeader("X-CDN-Edge")).isEqualTo("edge-it");
      assertThat(r.getHeader("X-CDN-Hops")).isEqualTo("2");
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(s.getString("sha256"));
    }
    for (JsonObject s : segs) {
      await("tracker lists " + a.id() + " for " + s.getString("segmentId")).atMost(Duration.ofSeconds(30))
          .until(() -> holders(s.getString("segmentId"), b.id()).contains(a.id()));
    }
    for (JsonObject s : segs) {
      HttpResponse<Buffer> r = get(b.baseUrl() + "/segments/" + s.getString("segmentId"), null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("X-CDN-Source")).as(s.getString("segmentId")).isEqualTo("peer");
      assertThat(r.getHeader("X-CDN-Peer")).isEqualTo(a.id());
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(s.getString("sha256"));
    }
    // What B did is in the delivery history: one SegmentDelivered per player request, tier PEER.
    await("B's deliveries in Kafka").atMost(Duration.ofSeconds(30))
        .until(() -> eventsOf(CdnTopic.DELIVERY_EVENTS, b.id())
        .stream().filter(e -> e instanceof SegmentDelivered d && d.getTier() == Tier.PEER
            && d.getSourceId().equals(a.id())).count() == segs.size());
    // A measured its edge and announced it.
    await("A's LinkMeasured to the edge").atMost(Duration.ofSeconds(30))
        .until(() -> eventsOf(CdnTopic.LINK_EVENTS, a.id())
        .stream().anyMatch(e -> e instanceof LinkMeasured l && l.getToKind() == NodeKind.EDGE && l.getRttMs() > 0));
  }

  @Test
  void aHolderServingCorruptedBytesIsDetectedAndBypassed() throws Exception {
    JsonObject s = segments("128k").get(0);
    String segmentId = s.getString("segmentId");
    byte[] junk = new byte[s.getInteger("bytes")];
    HttpServer rogue = vertx.createHttpServer().requestHandler(req -> req.response()
        .putHeader("Content-Type", "video/mp2t").end(Buffer.buffer(junk)))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // The rogue announces itself through the real event flow, claiming the right hash. It is an
    // admitted peer gone bad (events signed, its token binds its URL): an outsider's unsigned events
    // would be dead-lettered before any peer asked it (TrackerTrustTest).
    CommonConfig cc = CommonConfig.from(new Env(common));
    NodeIdentity rogueId = NodeIdentity.generate();
    rogueId.admit(AdmissionAuthority.of(TrustSettings.from(new Env(common))), "rogue", AdmissionAuthority.PEER,
        "http://127.0.0.1:" + rogue.actualPort(), "local");
    try (EventPublisher events = new EventPublisher(cc.kafkaBootstrapServers(), "rogue", cc.topics(), 100,
        new SimpleMeterRegistry())) {
      long now = System.currentTimeMillis();
      events.publish(CdnTopic.PEER_EVENTS, "rogue", PeerJoined.newBuilder().setPeerId("rogue").setRegion("local")
          .setBaseUrl("http://127.0.0.1:" + rogue.actualPort()).setUploadSlots(5).setCacheCapacityBytes(1 << 20)
          .setTs(now).build(), rogueId);
      events.publish(CdnTopic.PEER_EVENTS, "rogue", PeerHeartbeat.newBuilder().setPeerId("rogue").setTs(now)
          .setCachedSegments(1).setCachedBytes(junk.length).setActiveUploads(0).setUploadedBytes(0)
          .setDownloadedBytes(0).build(), rogueId);
      events.publish(CdnTopic.SEGMENT_EVENTS, "rogue", SegmentCached.newBuilder().setPeerId("rogue")
          .setSegmentId(segmentId).setBytes(junk.length).setSha256(s.getString("sha256")).setTs(now).build(), rogueId);
      HostedPeer c = newPeer("corrupt-victim");
      await("tracker lists the rogue holder").atMost(Duration.ofSeconds(30))
          .until(() -> holders(segmentId, c.id()).contains("rogue"));

      HttpResponse<Buffer> r = get(c.baseUrl() + "/segments/" + segmentId, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(s.getString("sha256"));
      assertThat(r.getHeader("X-CDN-Source")).isIn("edge", "origin");
      assertThat(r.getHeader("X-CDN-Attempts")).isEqualTo("2");
      assertThat(host.peer(c.id()).meters().integrityFailures()).isEqualTo(1.0);
      assertThat(get(c.baseUrl() + "/metrics", null).bodyAsString())
          .contains("cdn_peer_integrity_failures_total{peer=\"corrupt-victim\"} 1.0");
      // ... and reported to the tracker (HolderReported, keyed by the holder), signed by the victim.
      await("the victim reports the rogue").atMost(Duration.ofSeconds(20))
          .until(() -> eventsOf(CdnTopic.HOLDER_REPORTS, "rogue").stream().anyMatch(e ->
              e instanceof dev.hybridcdn.schemas.events.HolderReported h && h.getReporterId().equals(c.id())
                  && h.getReason() == dev.hybridcdn.schemas.events.HolderFault.BAD_BYTES));
    } finally {
      rogue.close();
    }
  }

  @Test
  void aHolderKilledWithoutPeerLeftIsBypassedAndExpiresAfterTheTtl() throws Exception {
    JsonObject s = segments("192k").get(1);
    String segmentId = s.getString("segmentId");
    HostedPeer victim = newPeer("crash-holder");
    assertThat(get(victim.baseUrl() + "/segments/" + segmentId, null).statusCode()).isEqualTo(200);
    HostedPeer asker = newPeer("crash-asker");
    await("tracker lists the holder").atMost(Duration.ofSeconds(30)).until(() -> holders(segmentId, asker.id())
        .contains(victim.id()));

    host.stopPeer(victim.id(), false);
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = get(asker.baseUrl() + "/segments/" + segmentId, null);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("X-CDN-Source")).isIn("edge", "origin");
    assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(s.getString("sha256"));
    assertThat(ms).as("bypassed within one per-attempt timeout (1500 ms) plus the edge").isLessThan(1500 + 3000);
    // ... and reported to the tracker as refused (issue 16: holders that time out or refuse, not only bad bytes).
    await("the asker reports the dead holder").atMost(Duration.ofSeconds(20))
        .until(() -> eventsOf(CdnTopic.HOLDER_REPORTS, victim.id()).stream().anyMatch(e ->
            e instanceof dev.hybridcdn.schemas.events.HolderReported h && h.getReporterId().equals(asker.id())
                && h.getReason() == dev.hybridcdn.schemas.events.HolderFault.REFUSED));

    long stoppedAt = System.currentTimeMillis();
    await("the crashed holder expires from lookups").atMost(Duration.ofSeconds(30))
        .until(() -> !holders(segmentId, "someone").contains("crash-holder"));
    assertThat(System.currentTimeMillis() - stoppedAt).as("not dropped before its TTL: no PeerLeft was sent")
        .isGreaterThanOrEqualTo(PEER_TTL_MS - 1500);
    host.stopPeer(asker.id(), true);
  }

  @Test
  void withUploadSlotsFullTheHolderAnswers503AndTheRequesterMovesOn() throws Exception {
    JsonObject s = segments("128k").get(2);
    String segmentId = s.getString("segmentId");
    HostedPeer holder = newPeer("busy-holder");
    assertThat(get(holder.baseUrl() + "/segments/" + segmentId, null).statusCode()).isEqualTo(200);
    HostedPeer asker = newPeer("busy-asker");
    await("tracker lists the holder").atMost(Duration.ofSeconds(30)).until(() -> holders(segmentId, asker.id())
        .contains(holder.id()));
    UploadSlots slots = host.peer(holder.id()).uploadSlots();
    List<UploadSlots.Grant> held = new ArrayList<>();
    try {
      for (String other : List.of("u1", "u2", "u3", "u4", "u5", "u6")) {
        slots.tryAcquire(other, System.currentTimeMillis()).ifPresent(held::add);
      }
      assertThat(slots.active()).isEqualTo(slots.capacity());
      HttpResponse<Buffer> direct = get(holder.baseUrl() + "/segments/" + segmentId, "someone-else");
      assertThat(direct.statusCode()).isEqualTo(503);
      assertThat(direct.getHeader("Retry-After")).isNotNull();

      long rejectedBefore = slots.rejections();
      HttpResponse<Buffer> r = get(asker.baseUrl() + "/segments/" + segmentId, null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("X-CDN-Peer")).isNotEqualTo(holder.id());
      assertThat(SegmentFetcher.sha256(r.body())).isEqualTo(s.getString("sha256"));
      assertThat(slots.rejections()).isGreaterThan(rejectedBefore);
    } finally {
      held.forEach(slots::release);
    }
  }

  @Test
  void ffmpegReadsTheMasterPlaylistThroughAPeerAndDecodesTheWholeSong(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    HostedPeer p = newPeer("ffmpeg-peer");
    Services.ffmpegDecodesTheWholeSong(p.baseUrl() + "/hls/" + SONG_ID + "/master.m3u8", tmp);
    assertThat(host.peer(p.id()).cache().size()).isGreaterThanOrEqualTo(7);
  }

  @Test
  void cleanShutdownEmitsPeerLeftAndTheTrackerDropsThePeerAtOnce() throws Exception {
    JsonObject s = segments("64k").get(3);
    String segmentId = s.getString("segmentId");
    HostedPeer leaving = newPeer("leaving-peer");
    assertThat(get(leaving.baseUrl() + "/segments/" + segmentId, null).statusCode()).isEqualTo(200);
    await("tracker lists the peer").atMost(Duration.ofSeconds(30))
        .until(() -> holders(segmentId, "someone").contains(leaving.id()));

    long t0 = System.currentTimeMillis();
    host.stopPeer(leaving.id(), true);
    await("tracker drops the peer").atMost(Duration.ofSeconds(30))
        .until(() -> !holders(segmentId, "someone").contains("leaving-peer"));
    long ms = System.currentTimeMillis() - t0;
    assertThat(ms).as("dropped on PeerLeft, before the %d ms TTL could expire it", PEER_TTL_MS)
        .isLessThan(PEER_TTL_MS);
    assertThat(get(trackerUrl + "/peers/leaving-peer", null).statusCode()).isEqualTo(404);
    assertThat(peerEventsOf("leaving-peer")).anyMatch(e -> e instanceof PeerLeft)
        .first().isInstanceOf(PeerJoined.class);
  }

  static List<org.apache.avro.specific.SpecificRecord> peerEventsOf(String peerId) {
    return eventsOf(CdnTopic.PEER_EVENTS, peerId);
  }

  /** Every event on {@code cdnTopic} keyed by {@code peerId}, read from the start of the topic. */
  static List<org.apache.avro.specific.SpecificRecord> eventsOf(CdnTopic cdnTopic, String peerId) {
    CommonConfig cc = CommonConfig.from(new Env(common));
    String topic = cc.topics().name(cdnTopic);
    Map<String, Object> props = Map.of(
        org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cc.kafkaBootstrapServers(),
        org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<org.apache.avro.specific.SpecificRecord> out = new ArrayList<>();
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(props,
        new org.apache.kafka.common.serialization.StringDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<org.apache.kafka.common.TopicPartition> parts = new ArrayList<>();
      consumer.partitionsFor(topic).forEach(pi -> parts.add(new org.apache.kafka.common.TopicPartition(topic,
          pi.partition())));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline
          && parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var rec : consumer.poll(Duration.ofMillis(200))) {
          if (peerId.equals(rec.key())) {
            out.add(cc.topics().codec().decode(topic, rec.value()));
          }
        }
      }
    }
    return out;
  }
}
