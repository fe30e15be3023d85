package dev.hybridcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.edge.cache.PgCacheTier;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The edge against real components: a real origin fed by a real FFmpeg ingest, the local Redis and
 * PostgreSQL, a real Kafka broker.
 */
class EdgeServerIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

  static OriginFixture fixture;
  static EdgeServer edge;
  static String base;
  static Vertx vertx;
  static Redis redis;

  @BeforeAll
  static void start() throws Exception {
    fixture = OriginFixture.start(PG, KAFKA);
    edge = EdgeServer.start(EdgeConfig.from(new Env(fixture.edgeEnv("edge-it-a", REDIS))));
    base = "http://127.0.0.1:" + edge.port();
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, REDIS.url());
  }

  @AfterAll
  static void stop() throws Exception {
    if (edge != null) {
      edge.close();
    }
    if (fixture != null) {
      fixture.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void firstRequestMissThenHitMemoryThenHitDbOnceRedisDropsIt() throws Exception {
    JsonObject seg = fixture.segments("128k").get(0);
    String id = seg.getString("segmentId");

    HttpResponse<byte[]> miss = Http.get(base + "/segments/" + id);
    assertThat(miss.statusCode()).isEqualTo(200);
    assertThat(miss.headers().firstValue("X-Cache")).hasValue("MISS");
    assertThat(miss.headers().firstValue("X-Served-By")).hasValue("edge-it-a");
    assertThat(miss.headers().firstValue("Content-Type")).hasValue("video/mp2t");
    assertThat(miss.headers().firstValue("Content-Length")).hasValue(Long.toString(seg.getLong("bytes")));
    assertThat(miss.headers().firstValue("ETag")).hasValue("\"" + seg.getString("sha256") + "\"");
    assertThat(sha256(miss.body())).isEqualTo(seg.getString("sha256"));
    // A player on the edge's pathway reads where the bytes came from, as it would from a peer.
    assertThat(miss.headers().firstValue("X-CDN-Source")).hasValue("origin");
    assertThat(miss.headers().firstValue("X-CDN-Hops")).hasValue("2");
    assertThat(miss.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");

    HttpResponse<byte[]> hot = Http.get(base + "/segments/" + id, "X-CDN-Peer-Request", "peer-it-7");
    assertThat(hot.headers().firstValue("X-Cache")).hasValue("HIT-MEMORY");
    assertThat(hot.headers().firstValue("X-CDN-Source")).hasValue("edge");
    assertThat(hot.body()).isEqualTo(miss.body());

    awaitStored(edge, seg); // the PostgreSQL copy is written after the response
    long deleted = redis.send(Request.cmd(Command.DEL).arg(edge.config().redisKeyPrefix() + "seg:" + id))
        .await(5, TimeUnit.SECONDS).toLong();
    assertThat(deleted).isEqualTo(1);
    // The near cache in front of Redis serves its copy for at most EDGE_NEAR_CACHE_TTL_MS (200 ms).
    HttpResponse<byte[]> db = await("HIT-DB once the near copy expired").atMost(Duration.ofSeconds(10)).until(() -> {
      try {
        HttpResponse<byte[]> r = Http.get(base + "/segments/" + id);
        String cache = r.headers().firstValue("X-Cache").orElse("");
        assertThat(cache).isIn("HIT-MEMORY", "HIT-DB");
        return cache.equals("HIT-DB") ? r : null;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }, Objects::nonNull);
    assertThat(db.body()).isEqualTo(miss.body());

    // The PostgreSQL hit was copied back up into Redis.
    await("HIT-MEMORY after the HIT-DB").atMost(Duration.ofSeconds(10)).until(() -> {
      try {
        return Http.get(base + "/segments/" + id).headers().firstValue("X-Cache").orElse("").equals("HIT-MEMORY");
      } catch (Exception e) {
        return false;
      }
    });

    String metrics = Http.text(base + "/metrics");
    assertThat(metrics).contains("cdn_edge_requests_total{result=\"miss\"}")
        .contains("cdn_edge_requests_total{result=\"hit_memory\"}")
        .contains("cdn_edge_requests_total{result=\"hit_db\"}")
        .contains("cdn_edge_origin_fetches_total").contains("cdn_events_dropped_total")
        .containsPattern("cdn_edge_bytes_total\\{result=\"miss\"} [1-9]")
        // a histogram Grafana can sum across edges: fixed buckets, le="10.0" the last before +Inf
        .containsPattern("cdn_edge_request_latency_seconds_bucket\\{[^}]*le=\"10\\.0\"[^}]*} [1-9]");

    // One EdgeServed per request, in Kafka, with the tier of each answer. Each is told by its requester, not
    // by its place in the topic: two answers on different event loops may queue their events either way round.
    List<EdgeServed> served = readEdgeEvents(id, 4);
    assertThat(served).extracting(EdgeServed::getCacheResult).containsOnlyOnce(EdgeResult.MISS)
        .contains(EdgeResult.HIT_DB);
    EdgeServed first = served.stream().filter(e -> e.getCacheResult() == EdgeResult.MISS).findFirst().orElseThrow();
    assertThat(first.getBytes()).isEqualTo(seg.getLong("bytes"));
    assertThat(first.getEdgeId()).hasToString("edge-it-a");
    // The first request was a player's (no peer header), the second a peer's fetch.
    assertThat(first.getRequester()).isEqualTo(EdgeRequester.PLAYER);
    assertThat(first.getRequesterPeerId()).isNull();
    assertThat(served).filteredOn(e -> e.getRequester() == EdgeRequester.PEER)
        .singleElement().satisfies(peer -> {
          assertThat(peer.getRequesterPeerId()).hasToString("peer-it-7");
          assertThat(peer.getCacheResult()).isEqualTo(EdgeResult.HIT_MEMORY);
        });
  }

  @Test
  void browserPlayersGetCorsAndAPreflightAnswer() throws Exception {
    String id = fixture.segments("64k").get(0).getString("segmentId");
    HttpResponse<byte[]> preflight = Http.CLIENT.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(base + "/segments/" + id)).method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
        .header("Origin", "http://player.example").header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "range").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).get().asString().contains("Range");
    for (String path : List.of("/songs", "/hls/" + OriginFixture.SONG + "/master.m3u8", "/segments/" + id)) {
      HttpResponse<byte[]> r = Http.get(base + path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(path).hasValue("*");
      assertThat(r.headers().firstValue("Access-Control-Expose-Headers")).as(path).get().asString()
          .contains("X-CDN-Source");
    }
  }

  @Test
  void hundredConcurrentRequestsForAColdSegmentMakeOneOriginFetch() throws Exception {
    JsonObject seg = fixture.segments("64k").get(1);
    String id = seg.getString("segmentId");
    double originBefore = fixture.segmentRequests();
    long fetchesBefore = edge.originFetches();

    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(Http.getAsync(base + "/segments/" + id));
    }
    Set<String> hashes = new HashSet<>();
    for (var f : all) {
      HttpResponse<byte[]> r = f.get(60, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      hashes.add(sha256(r.body()));
    }
    assertThat(hashes).containsExactly(seg.getString("sha256"));
    assertThat(fixture.segmentRequests() - originBefore).isEqualTo(1.0);
    assertThat(edge.originFetches() - fetchesBefore).isEqualTo(1);
  }

  @Test
  void manifestsAndPlaylistsAreTheOrigins() throws Exception {
    String origin = fixture.origin.baseUrl();
    for (String path : List.of("/songs", "/songs/coffee", "/hls/coffee/master.m3u8", "/hls/coffee/128k/playlist.m3u8")) {
      HttpResponse<byte[]> fromEdge = Http.get(base + path);
      HttpResponse<byte[]> fromOrigin = Http.get(origin + path);
      assertThat(fromEdge.statusCode()).as(path).isEqualTo(200);
      assertThat(fromEdge.body()).as(path).isEqualTo(fromOrigin.body());
      assertThat(fromEdge.headers().firstValue("Content-Type")).as(path)
          .isEqualTo(fromOrigin.headers().firstValue("Content-Type"));
      assertThat(fromEdge.headers().firstValue("X-Cache")).as(path).get().isIn("MISS", "HIT");
      assertThat(fromEdge.headers().firstValue("Cache-Control")).as(path)
          .hasValueSatisfying(cc -> assertThat(cc).contains("max-age=", "stale-while-revalidate=", "stale-if-error="));
      HttpResponse<byte[]> again = Http.get(base + path);
      assertThat(again.headers().firstValue("X-Cache")).as(path).hasValue("HIT");
      assertThat(again.headers().firstValue("Age")).as(path).hasValueSatisfying(
          age -> assertThat(Long.parseLong(age)).isBetween(0L, 30L));
    }
    assertThat(Http.text(base + "/hls/coffee/128k/playlist.m3u8")).contains("/segments/coffee/128k/seg00000-");
  }

  @Test
  void badInputIs400AndUnknownIs404WithTheEnvelope() throws Exception {
    Map<String, Integer> expected = new HashMap<>();
    expected.put("/segments/coffee/128k/..%2F..%2Fetc", 400);
    expected.put("/segments/coffee/../../etc/passwd", 400);
    expected.put("/segments/Coffee/128k/seg00000.ts", 400);
    expected.put("/segments/coffee/128/seg00000.ts", 400);
    expected.put("/segments/coffee/128k", 400);
    expected.put("/songs/BAD!", 400);
    expected.put("/hls/coffee/12x/playlist.m3u8", 400);
    expected.put("/segments/coffee/128k/seg09999.ts", 404);
    expected.put("/segments/nosuchsong/128k/seg00000.ts", 404);
    expected.put("/songs/nosuchsong", 404);
    expected.put("/nothing-here", 404);
    expected.put("peer header " + "bad id!", 400);
    for (var e : expected.entrySet()) {
      HttpResponse<byte[]> r = e.getKey().startsWith("peer header ")
          ? Http.get(base + "/segments/" + fixture.segments("128k").get(0).getString("segmentId"),
              "X-CDN-Peer-Request", e.getKey().substring("peer header ".length()))
          : Http.get(base + e.getKey());
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(e.getValue());
      JsonObject body = new JsonObject(new String(r.body()));
      assertThat(body.getString("error")).as(e.getKey()).isNotBlank();
      assertThat(body.getString("message")).as(e.getKey()).isNotNull();
      assertThat(body.getJsonArray("details")).as(e.getKey()).isNotNull();
      assertThat(r.headers().allValues("Cache-Control")).as(e.getKey()).containsExactly("no-store");
    }
  }

  /**
   * A near-cache hit is answered before the router (the hot path): with the routed answer's headers, and
   * a request the hot path cannot answer whole (a bad requester header) still gets the router's 400.
   */
  @Test
  void aNearCacheHitIsAnsweredLikeARoutedOne() throws Exception {
    String id = fixture.segments("128k").get(2).getString("segmentId");
    HttpResponse<byte[]> miss = Http.get(base + "/segments/" + id); // routed: the near cache had nothing
    HttpResponse<byte[]> hit = Http.get(base + "/segments/" + id);
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT-MEMORY");
    assertThat(hit.headers().map().keySet()).containsExactlyInAnyOrderElementsOf(miss.headers().map().keySet());
    for (String same : List.of("X-Served-By", "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
        "Content-Type", "Content-Length", "ETag", "Accept-Ranges", "Cache-Control", "X-CDN-Edge")) {
      assertThat(hit.headers().allValues(same)).as(same).isEqualTo(miss.headers().allValues(same));
    }
    assertThat(hit.body()).isEqualTo(miss.body());
    // The hit's bytes are a file of the edge's store on tmpfs (EDGE_NEAR_CACHE_DIR: /dev/shm), sent by
    // sendfile(2), not copied through the JVM.
    java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
    if (dev.hybridcdn.servicekit.files.TmpfsFiles.isTmpfs(shm)) {
      String store = "edge-it-a-" + ProcessHandle.current().pid() + "-";
      try (var stores = java.nio.file.Files.list(shm)) {
        assertThat(stores.filter(d -> d.getFileName().toString().startsWith(store)).flatMap(d -> {
          try {
            return java.nio.file.Files.list(d).toList().stream();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }).anyMatch(f -> {
          try {
            return java.util.Arrays.equals(java.nio.file.Files.readAllBytes(f), hit.body());
          } catch (java.io.IOException e) {
            return false; // deleted meanwhile
          }
        })).as("a file of the edge's tmpfs store holds the segment").isTrue();
      }
    }
    HttpResponse<byte[]> bad = Http.get(base + "/segments/" + id, "X-CDN-Shield-Request", "not an id!");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(new String(bad.body())).getString("error")).isEqualTo("invalid_edge_id");
    assertThat(bad.headers().allValues("Cache-Control")).containsExactly("no-store");
  }

  /**
   * A near-cache hit over HTTP/2 (h2c, as Java's and curl's clients upgrade to): Vert.x sends a file
   * by its path there, not from the open channel (which it refuses over HTTP/2), whole or ranged.
   */
  @Test
  void aNearCacheHitOverHttp2() throws Exception {
    String id = fixture.segments("128k").get(3).getString("segmentId");
    java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_2).build();
    java.net.URI uri = java.net.URI.create(base + "/segments/" + id);
    HttpResponse<byte[]> first = h2.send(java.net.http.HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> hit = h2.send(java.net.http.HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(hit.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
    assertThat(hit.statusCode()).as(new String(hit.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(200);
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("HIT-MEMORY");
    assertThat(hit.body()).isEqualTo(first.body());
    HttpResponse<byte[]> part = h2.send(java.net.http.HttpRequest.newBuilder(uri).header("Range", "bytes=10-19").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(first.body(), 10, 20));
  }

  @Test
  void rangeAndConditionalRequests() throws Exception {
    JsonObject seg = fixture.segments("128k").get(2);
    String id = seg.getString("segmentId");
    byte[] whole = Http.get(base + "/segments/" + id).body();
    HttpResponse<byte[]> part = Http.get(base + "/segments/" + id, "Range", "bytes=100-1099");
    assertThat(part.statusCode()).isEqualTo(206);
    assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 100-1099/" + whole.length);
    assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(whole, 100, 1100));
    HttpResponse<byte[]> tail = Http.get(base + "/segments/" + id, "Range", "bytes=-10");
    assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(whole, whole.length - 10, whole.length));
    HttpResponse<byte[]> unsatisfiable = Http.get(base + "/segments/" + id, "Range", "bytes=99999999-");
    assertThat(unsatisfiable.statusCode()).isEqualTo(416);
    assertThat(unsatisfiable.headers().firstValue("Content-Range")).hasValue("bytes */" + whole.length);
    // A 416 is about this request's Range, never about the segment: no cache may keep it.
    assertThat(unsatisfiable.headers().allValues("Cache-Control")).containsExactly("no-store");
    assertThat(part.headers().firstValue("Cache-Control")).hasValue("public, max-age=86400");
    HttpResponse<byte[]> notModified = Http.get(base + "/segments/" + id, "If-None-Match",
        "\"" + seg.getString("sha256") + "\"");
    assertThat(notModified.statusCode()).isEqualTo(304);
    HttpResponse<byte[]> head = Http.CLIENT.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(base + "/segments/" + id)).method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length")).hasValue(Integer.toString(whole.length));
    assertThat(head.body()).isEmpty();
  }

  @Test
  void pingAndHealthNameEveryDependency() throws Exception {
    JsonObject ping = new JsonObject(Http.text(base + "/ping"));
    assertThat(ping.getString("edgeId")).isEqualTo("edge-it-a");
    JsonObject health = new JsonObject(Http.text(base + "/health"));
    assertThat(health.getString("status")).as(health.encode()).isEqualTo("UP");
    assertThat(health.getJsonObject("checks").fieldNames()).contains("redis", "postgres", "origin", "kafka");
  }

  @Test
  void byteBudgetsEvictTheLeastRecentlyUsed() throws Exception {
    List<JsonObject> segs = fixture.segments("64k");
    JsonObject a = segs.get(2);
    JsonObject b = segs.get(3);
    JsonObject c = segs.get(4);
    long budget = a.getLong("bytes") + b.getLong("bytes") + c.getLong("bytes") - 1;
    Map<String, String> env = fixture.edgeEnv("edge-it-budget", REDIS);
    env.put("EDGE_REDIS_BUDGET_BYTES", Long.toString(budget));
    env.put("EDGE_PG_BUDGET_BYTES", Long.toString(budget));
    env.put("EDGE_NEAR_CACHE_BYTES", "0"); // every hit reads Redis, so Redis sees A's second use
    try (EdgeServer small = EdgeServer.start(EdgeConfig.from(new Env(env)))) {
      String url = "http://127.0.0.1:" + small.port() + "/segments/";
      assertThat(cache(url + a.getString("segmentId"))).isEqualTo("MISS");
      awaitStored(small, a);
      assertThat(cache(url + b.getString("segmentId"))).isEqualTo("MISS");
      awaitStored(small, b);
      // A is used again: in Redis it is now more recent than B (PostgreSQL never saw this hit).
      assertThat(cache(url + a.getString("segmentId"))).isEqualTo("HIT-MEMORY");
      assertThat(cache(url + c.getString("segmentId"))).isEqualTo("MISS");
      awaitStored(small, c);

      String prefix = small.config().redisKeyPrefix();
      assertThat(exists(prefix + "seg:" + a.getString("segmentId"))).isTrue();
      assertThat(exists(prefix + "seg:" + b.getString("segmentId"))).as("LRU entry B evicted from Redis").isFalse();
      assertThat(exists(prefix + "seg:" + c.getString("segmentId"))).isTrue();
      long redisHeld = redis.send(Request.cmd(Command.GET).arg(prefix + "bytes")).await(5, TimeUnit.SECONDS).toLong();
      assertThat(redisHeld).isLessThanOrEqualTo(budget).isEqualTo(a.getLong("bytes") + c.getLong("bytes"));

      assertThat(pgRows("edge-it-budget")).as("LRU row A deleted from PostgreSQL")
          .containsExactlyInAnyOrder(b.getString("segmentId"), c.getString("segmentId"));
    }
  }

  @Test
  void corruptedOriginBytesAreNeitherServedNorCached() throws Exception {
    AtomicInteger corrupted = new AtomicInteger();
    WebClient client = WebClient.create(vertx);
    String origin = fixture.origin.baseUrl();
    HttpServer proxy = vertx.createHttpServer().requestHandler(req -> client.getAbs(origin + req.uri()).send()
        .onSuccess(r -> {
          Buffer body = r.body() == null ? Buffer.buffer() : r.body();
          if (req.path().startsWith("/segments/") && body.length() > 0) {
            body = body.copy();
            body.setByte(body.length() / 2, (byte) (body.getByte(body.length() / 2) ^ 0x5a));
            corrupted.incrementAndGet();
          }
          var resp = req.response().setStatusCode(r.statusCode());
          if (r.getHeader("Content-Type") != null) {
            resp.putHeader("Content-Type", r.getHeader("Content-Type"));
          }
          resp.end(body);
        })
        .onFailure(e -> req.response().setStatusCode(502).end()))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Map<String, String> env = fixture.edgeEnv("edge-it-corrupt", REDIS);
    env.put("ORIGIN_URL", "http://127.0.0.1:" + proxy.actualPort());
    String id = fixture.segments("128k").get(3).getString("segmentId");
    try (EdgeServer e = EdgeServer.start(EdgeConfig.from(new Env(env)))) {
      for (int i = 0; i < 2; i++) {
        HttpResponse<byte[]> r = Http.get("http://127.0.0.1:" + e.port() + "/segments/" + id);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(new JsonObject(new String(r.body())).getString("error")).isEqualTo("integrity_failure");
      }
      assertThat(corrupted.get()).as("each request went to the origin again: nothing was cached").isEqualTo(2);
      assertThat(exists(e.config().redisKeyPrefix() + "seg:" + id)).isFalse();
      assertThat(pgRows("edge-it-corrupt")).isEmpty();
      assertThat(Http.text("http://127.0.0.1:" + e.port() + "/metrics"))
          .contains("cdn_edge_integrity_failures_total 2.0");
    } finally {
      proxy.close();
      client.close();
    }
  }

  private static String cache(String url) throws Exception {
    HttpResponse<byte[]> r = Http.get(url);
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.headers().firstValue("X-Cache").orElse("");
  }

  // Stores into the tiers finish after the response; wait for them so recency order is certain.
  private static void awaitStored(EdgeServer e, JsonObject seg) {
    String id = seg.getString("segmentId");
    await(id + " stored in both tiers").atMost(Duration.ofSeconds(10)).until(() -> {
      try {
        return exists(e.config().redisKeyPrefix() + "seg:" + id) && pgRows(e.config().edgeId()).contains(id);
      } catch (Exception ex) {
        return false;
      }
    });
  }

  private static boolean exists(String key) throws Exception {
    return redis.send(Request.cmd(Command.EXISTS).arg(key)).await(5, TimeUnit.SECONDS).toInteger() == 1;
  }

  private static List<String> pgRows(String edgeId) throws Exception {
    List<String> ids = new ArrayList<>();
    try (Connection c = PG.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT segment_id FROM " + PgCacheTier.TABLE + " WHERE edge_id = '"
            + edgeId + "'")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    } catch (java.sql.SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return ids;
      }
      throw e;
    }
    return ids;
  }

  private static List<EdgeServed> readEdgeEvents(String segmentId, int atLeast) {
    return EdgeEvents.read(KAFKA.bootstrapServers(), fixture.topicPrefix,
        es -> es.getSegmentId().toString().equals(segmentId), atLeast);
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
