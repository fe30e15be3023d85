package dev.hybridcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.LocalPorts;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each dependency taken away from a running edge and given back: Redis, PostgreSQL, the origin and
 * the Kafka bootstrap address sit behind TCP forwarders the test cuts and restores; the edge is never
 * restarted.
 */
class EdgeDegradationIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

  static OriginFixture fixture;
  static TcpProxy redisLink;
  static TcpProxy pgLink;
  static TcpProxy originLink;
  static EdgeServer edge;
  static String base;
  static List<JsonObject> segments;

  @BeforeAll
  static void start() throws Exception {
    fixture = OriginFixture.start(PG, KAFKA);
    redisLink = new TcpProxy(RedisExtension.port());
    pgLink = new TcpProxy(PG.port());
    originLink = new TcpProxy(fixture.origin.port());
    Map<String, String> env = fixture.edgeEnv("edge-deg", REDIS);
    env.put("REDIS_URL", "redis://127.0.0.1:" + redisLink.port());
    env.put("PGPORT", Integer.toString(pgLink.port()));
    env.put("ORIGIN_URL", "http://127.0.0.1:" + originLink.port());
    env.put("EDGE_REDIS_TIMEOUT_MS", "300");
    env.put("EDGE_PG_TIMEOUT_MS", "1000");
    env.put("EDGE_ORIGIN_TIMEOUT_MS", "2000");
    env.put("EDGE_NEAR_CACHE_BYTES", "0"); // so each answer names the tier Redis or PostgreSQL
    env.put("EDGE_MANIFEST_TTL_MS", "0"); // always ask the origin, so "origin down" exercises the stale copy
    edge = EdgeServer.start(EdgeConfig.from(new Env(env)));
    base = "http://127.0.0.1:" + edge.port();
    segments = fixture.segments("128k");
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {edge, fixture, redisLink, pgLink, originLink}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void redisDownServesFromPostgresAndOriginThenRecovers() throws Exception {
    String id = segments.get(0).getString("segmentId");
    redisLink.stop();
    try {
      assertThat(xCache(id)).isEqualTo("MISS");
      awaitRow(id);
      assertThat(xCache(id)).isEqualTo("HIT-DB");
      JsonObject health = health();
      assertThat(health.getString("status")).isEqualTo("DEGRADED");
      assertThat(health.getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("DOWN");
    } finally {
      redisLink.start();
    }
    // Back without a restart: the next hits are copied into Redis and served from it.
    await("HIT-MEMORY once Redis is back").atMost(Duration.ofSeconds(15)).until(() -> "HIT-MEMORY".equals(quietXCache(id)));
    assertThat(health().getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("UP");
  }

  @Test
  void postgresDownServesFromRedisAndOriginThenRecovers() throws Exception {
    String id = segments.get(1).getString("segmentId");
    pgLink.stop();
    try {
      assertThat(xCache(id)).isEqualTo("MISS");
      assertThat(xCache(id)).isEqualTo("HIT-MEMORY");
      JsonObject health = health();
      assertThat(health.getString("status")).isEqualTo("DEGRADED");
      assertThat(health.getJsonObject("checks").getJsonObject("postgres").getString("status")).isEqualTo("DOWN");
    } finally {
      pgLink.start();
    }
    String next = segments.get(2).getString("segmentId");
    await("PostgreSQL healthy again").atMost(Duration.ofSeconds(15)).until(
        () -> "UP".equals(quietHealth().getJsonObject("checks").getJsonObject("postgres").getString("status")));
    assertThat(xCache(next)).isEqualTo("MISS");
    awaitRow(next); // new segments reach PostgreSQL again
  }

  @Test
  void originDownStillServesEverythingCachedAndRefusesTheRestQuickly() throws Exception {
    String cached = segments.get(3).getString("segmentId");
    String uncached = segments.get(4).getString("segmentId");
    String playlist = base + "/hls/coffee/128k/playlist.m3u8";
    assertThat(xCache(cached)).isEqualTo("MISS");
    String playlistText = Http.text(playlist);
    originLink.stop();
    try {
      assertThat(xCache(cached)).isEqualTo("HIT-MEMORY");
      HttpResponse<byte[]> p = Http.get(playlist);
      assertThat(p.statusCode()).isEqualTo(200);
      assertThat(new String(p.body())).isEqualTo(playlistText);

      long t0 = System.nanoTime();
      HttpResponse<byte[]> r = Http.get(base + "/segments/" + uncached);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.statusCode()).isIn(503, 504);
      assertThat(new JsonObject(new String(r.body())).getString("error")).startsWith("origin_");
      assertThat(ms).as("bounded by the origin timeout (2000 ms)").isLessThan(5_000);
      assertThat(health().getJsonObject("checks").getJsonObject("origin").getString("status")).isEqualTo("DOWN");
    } finally {
      originLink.start();
    }
    await("the uncached segment once the origin is back").atMost(Duration.ofSeconds(15)).until(
        () -> "MISS".equals(quietXCache(uncached)));
  }

  @Test
  void originDownServesTheDocumentsItHasSeenStaleAndAnUnseenOneIs503ThenFreshWhenItReturns() throws Exception {
    List<String> seen = List.of("/songs", "/songs/coffee", "/hls/coffee/master.m3u8", "/hls/coffee/128k/playlist.m3u8");
    Map<String, byte[]> bodies = new java.util.HashMap<>();
    for (String path : seen) {
      HttpResponse<byte[]> fresh = Http.get(base + path);
      assertThat(fresh.statusCode()).as(path).isEqualTo(200);
      assertThat(fresh.headers().firstValue("X-Cache")).as(path).hasValue("MISS"); // EDGE_MANIFEST_TTL_MS=0
      assertThat(fresh.headers().firstValue("Cache-Control")).as(path)
          .hasValueSatisfying(cc -> assertThat(cc).contains("stale-if-error=86400", "stale-while-revalidate="));
      bodies.put(path, fresh.body());
    }
    originLink.stop();
    try {
      for (String path : seen) {
        HttpResponse<byte[]> stale = Http.get(base + path);
        assertThat(stale.statusCode()).as(path).isEqualTo(200);
        assertThat(stale.body()).as(path).isEqualTo(bodies.get(path));
        assertThat(stale.headers().firstValue("X-Cache")).as(path).hasValue("STALE");
        assertThat(stale.headers().firstValue("Age")).as(path).isPresent();
        assertThat(stale.headers().firstValue("Cache-Control")).as(path).hasValueSatisfying(
            cc -> assertThat(cc).contains("stale-if-error="));
      }
      // Never seen: the edge cannot know the song does not exist, so it is an outage, not a 404.
      for (String unseen : List.of("/songs/neverseen", "/hls/neverseen/master.m3u8", "/hls/coffee/64k/playlist.m3u8")) {
        HttpResponse<byte[]> r = Http.get(base + unseen);
        assertThat(r.statusCode()).as(unseen).isEqualTo(503);
        assertThat(new JsonObject(new String(r.body())).getString("error")).as(unseen).isEqualTo("origin_unavailable");
        assertThat(r.headers().firstValue("Retry-After")).as(unseen).hasValue("1");
        assertThat(r.headers().allValues("Cache-Control")).as(unseen).containsExactly("no-store");
      }
      assertThat(Http.text(base + "/metrics")).containsPattern("cdn_edge_documents_stale_total [1-9]");
    } finally {
      originLink.start();
    }
    // Back without a restart: the background probe notices within about a second.
    await("fresh documents once the origin is back").atMost(Duration.ofSeconds(15)).until(() ->
        "MISS".equals(Http.get(base + "/songs").headers().firstValue("X-Cache").orElse("")));
    for (String path : seen) {
      HttpResponse<byte[]> fresh = Http.get(base + path);
      assertThat(fresh.headers().firstValue("X-Cache")).as(path).hasValue("MISS");
      assertThat(fresh.headers().firstValue("Age")).as(path).isEmpty();
    }
    assertThat(Http.get(base + "/songs/neverseen").statusCode()).isEqualTo(404);
  }

  @Test
  void anOriginKnownDownIsNotAskedAndItsAbsenceIsAnswered503AtOnce() throws Exception {
    AtomicBoolean hung = new AtomicBoolean();
    AtomicInteger askedWhileHung = new AtomicInteger();
    AtomicInteger probed = new AtomicInteger();
    Vertx vertx = Vertx.vertx();
    HttpServer origin = hangableOrigin(vertx, hung, askedWhileHung, probed);
    Map<String, String> env = fixture.edgeEnv("edge-known-down", REDIS);
    env.put("ORIGIN_URL", "http://127.0.0.1:" + origin.actualPort());
    env.put("EDGE_ORIGIN_TIMEOUT_MS", "3000");
    env.put("EDGE_ORIGIN_PROBE_MS", "200");
    env.put("EDGE_MANIFEST_TTL_MS", "0");
    try (EdgeServer e = EdgeServer.start(EdgeConfig.from(new Env(env)))) {
      String edgeBase = "http://127.0.0.1:" + e.port();
      String cached = fixture.segments("64k").get(0).getString("segmentId");
      assertThat(Http.get(edgeBase + "/segments/" + cached).headers().firstValue("X-Cache")).hasValue("MISS");
      hung.set(true);
      // The first request meets the hung origin and waits out its timeout: that is how the edge learns.
      HttpResponse<byte[]> first = Http.get(edgeBase + "/songs/neverseen");
      assertThat(first.statusCode()).isEqualTo(504);
      assertThat(first.headers().firstValue("Retry-After")).isPresent();
      assertThat(first.headers().allValues("Cache-Control")).containsExactly("no-store");
      int askedOnceKnown = askedWhileHung.get();
      Map<String, Integer> expected = new java.util.LinkedHashMap<>();
      expected.put("/songs/coffee", 200); // seen: stale at once
      expected.put("/songs/neverseen2", 503);
      expected.put("/hls/coffee/64k/playlist.m3u8", 503);
      expected.put("/segments/" + fixture.segments("64k").get(1).getString("segmentId"), 503); // manifest stale, bytes never fetched
      for (var x : expected.entrySet()) {
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = Http.get(edgeBase + x.getKey());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).as(x.getKey()).isEqualTo(x.getValue());
        assertThat(ms).as(x.getKey() + " answered without waiting for the origin timeout (3000 ms)").isLessThan(1_000);
        if (x.getValue() == 503) {
          assertThat(new JsonObject(new String(r.body())).getString("error")).as(x.getKey()).isEqualTo("origin_unavailable");
          assertThat(r.headers().firstValue("Retry-After")).as(x.getKey()).hasValue("1");
        } else {
          assertThat(r.headers().firstValue("X-Cache")).as(x.getKey()).hasValue("STALE");
        }
      }
      assertThat(askedWhileHung.get()).as("no request reached the origin once it was known down").isEqualTo(askedOnceKnown);
      await("the background probe asks /ping").atMost(Duration.ofSeconds(10)).until(() -> probed.get() >= 1);
      JsonObject health = new JsonObject(Http.text(edgeBase + "/health"));
      assertThat(health.getJsonObject("checks").getJsonObject("origin").getString("status")).isEqualTo("DOWN");
      // A segment the tiers hold is still served.
      HttpResponse<byte[]> hit = Http.get(edgeBase + "/segments/" + cached);
      assertThat(hit.statusCode()).isEqualTo(200);
      assertThat(hit.headers().firstValue("X-Cache")).get().isIn("HIT-MEMORY", "HIT-DB");
      hung.set(false);
      await("the probe notices the origin's return").atMost(Duration.ofSeconds(15)).until(() ->
          Http.get(edgeBase + "/songs/neverseen2").statusCode() == 404);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * An HTTP origin in front of the real one that, once {@code hung}, accepts requests and never
   * answers them (counting them, {@code /ping} apart).
   */
  private static HttpServer hangableOrigin(Vertx vertx, AtomicBoolean hung, AtomicInteger askedWhileHung,
      AtomicInteger probed) throws Exception {
    HttpClient toOrigin = vertx.createHttpClient();
    return vertx.createHttpServer().requestHandler(req -> {
      if (hung.get()) {
        (req.path().equals("/ping") ? probed : askedWhileHung).incrementAndGet();
        return;
      }
      toOrigin.request(HttpMethod.GET, fixture.origin.port(), "127.0.0.1", req.uri())
          .compose(out -> out.send().compose(in -> in.body().map(body -> {
            String type = in.getHeader("Content-Type");
            if (type != null) {
              req.response().putHeader("Content-Type", type);
            }
            req.response().setStatusCode(in.statusCode()).end(body);
            return null;
          })))
          .onFailure(err -> req.response().setStatusCode(502).end());
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @Test
  void anOriginThatNeverAnswersGives504WithinTheTimeout() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpServer silent = vertx.createHttpServer().requestHandler(req -> { /* never answers */ })
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Map<String, String> env = fixture.edgeEnv("edge-silent", REDIS);
    env.put("ORIGIN_URL", "http://127.0.0.1:" + silent.actualPort());
    env.put("EDGE_ORIGIN_TIMEOUT_MS", "500");
    try (EdgeServer e = EdgeServer.start(EdgeConfig.from(new Env(env)))) {
      long t0 = System.nanoTime();
      HttpResponse<byte[]> r = Http.get("http://127.0.0.1:" + e.port() + "/segments/" + segments.get(5).getString("segmentId"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(new JsonObject(new String(r.body())).getString("error")).isEqualTo("origin_timeout");
      assertThat(ms).isLessThan(3_000);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void noKafkaNeitherSlowsNorFailsSegmentsAndOverflowIsCounted() throws Exception {
    Map<String, String> env = fixture.edgeEnv("edge-nokafka", REDIS);
    env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalPorts.dead());
    env.put("EDGE_EVENT_BUFFER", "3");
    try (EdgeServer e = EdgeServer.start(EdgeConfig.from(new Env(env)))) {
      String url = "http://127.0.0.1:" + e.port() + "/segments/" + segments.get(0).getString("segmentId");
      for (int i = 0; i < 10; i++) {
        long t0 = System.nanoTime();
        assertThat(Http.get(url).statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
      }
      // Events are made and handed to the publisher off the request path (ServedEvents): the overflow
      // is counted once its thread gets to them.
      await("events dropped").atMost(Duration.ofSeconds(10)).until(() -> e.events().droppedCount() > 0);
      assertThat(Http.text("http://127.0.0.1:" + e.port() + "/metrics")).containsPattern("cdn_events_dropped_total [1-9]");
      JsonObject health = new JsonObject(Http.text("http://127.0.0.1:" + e.port() + "/health"));
      assertThat(health.getJsonObject("checks").getJsonObject("kafka").getString("status")).isEqualTo("DOWN");
    }
  }

  @Test
  void eventsMadeWhileKafkaIsAwayAreDeliveredWhenItReturns() throws Exception {
    String bootstrap = KAFKA.bootstrapServers().split(",")[0];
    int brokerPort = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    try (TcpProxy kafkaLink = new TcpProxy(brokerPort)) {
      kafkaLink.stop(); // the edge starts with no broker reachable
      Map<String, String> env = fixture.edgeEnv("edge-late-kafka", REDIS);
      env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + kafkaLink.port());
      try (EdgeServer e = EdgeServer.start(EdgeConfig.from(new Env(env)))) {
        String url = "http://127.0.0.1:" + e.port() + "/segments/" + segments.get(0).getString("segmentId");
        for (int i = 0; i < 5; i++) {
          assertThat(Http.get(url).statusCode()).isEqualTo(200);
        }
        assertThat(e.events().sent()).isZero();
        kafkaLink.start(); // the broker "returns"
        await("5 EdgeServed events acknowledged").atMost(Duration.ofSeconds(60)).until(() -> e.events().sent() >= 5);
        assertThat(e.events().droppedCount()).isZero();
      }
    }
    TopicRegistry topics = new TopicRegistry(fixture.topicPrefix);
    Map<String, Object> cfg = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "edge-late-" + System.nanoTime(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<EdgeServed> seen = new java.util.ArrayList<>();
    try (KafkaConsumer<String, SpecificRecord> consumer = new KafkaConsumer<>(cfg, new StringDeserializer(),
        topics.valueSerde().deserializer())) {
      consumer.subscribe(List.of(topics.name(CdnTopic.EDGE_EVENTS)));
      await("the 5 events in " + topics.name(CdnTopic.EDGE_EVENTS)).atMost(Duration.ofSeconds(60)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.value() instanceof EdgeServed es && es.getEdgeId().equals("edge-late-kafka")) {
            assertThat(r.key()).isEqualTo("edge-late-kafka");
            seen.add(es);
          }
        });
        return seen.size() >= 5;
      });
    }
    assertThat(seen).hasSize(5);
  }

  private static String xCache(String id) throws Exception {
    HttpResponse<byte[]> r = Http.get(base + "/segments/" + id);
    assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
    assertThat(EdgeServerIT.sha256(r.body())).isEqualTo(segments.stream()
        .filter(s -> s.getString("segmentId").equals(id)).findFirst().orElseThrow().getString("sha256"));
    return r.headers().firstValue("X-Cache").orElse("");
  }

  private static String quietXCache(String id) {
    try {
      return xCache(id);
    } catch (Throwable e) {
      return null;
    }
  }

  private static JsonObject health() throws Exception {
    return new JsonObject(Http.text(base + "/health"));
  }

  private static JsonObject quietHealth() {
    try {
      return health();
    } catch (Exception e) {
      return new JsonObject().put("checks", new JsonObject().put("postgres", new JsonObject()));
    }
  }

  private static void awaitRow(String id) {
    await(id + " in PostgreSQL").atMost(Duration.ofSeconds(10)).until(() -> {
      try (Connection c = PG.connect();
          PreparedStatement st = c.prepareStatement("SELECT 1 FROM edge_segment_cache WHERE edge_id = ? AND segment_id = ?")) {
        st.setString(1, "edge-deg");
        st.setString(2, id);
        try (ResultSet rs = st.executeQuery()) {
          return rs.next();
        }
      } catch (Exception e) {
        return false;
      }
    });
  }
}
