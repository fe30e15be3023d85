package dev.hybridcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The origin shield with real components: a real origin (real FFmpeg ingest), three edges on the
 * local Redis and PostgreSQL and a real Kafka broker. Edges A and B list edge S as their shield
 * ({@code EDGE_SHIELDS}); S lists nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EdgeShieldIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension();

  static OriginFixture fixture;
  static EdgeServer shield;
  static EdgeServer a;
  static EdgeServer b;

  @BeforeAll
  static void start() throws Exception {
    fixture = OriginFixture.start(PG, KAFKA);
    shield = EdgeServer.start(EdgeConfig.from(new Env(fixture.edgeEnv("edge-shield-s", REDIS))));
    String shields = "edge-shield-s=http://127.0.0.1:" + shield.port();
    a = EdgeServer.start(EdgeConfig.from(new Env(withShields(fixture.edgeEnv("edge-shield-a", REDIS), shields))));
    b = EdgeServer.start(EdgeConfig.from(new Env(withShields(fixture.edgeEnv("edge-shield-b", REDIS), shields))));
  }

  private static Map<String, String> withShields(Map<String, String> env, String shields) {
    env.put("EDGE_SHIELDS", shields);
    return env;
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {a, b, shield, fixture}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing the rest matters more
      }
    }
  }

  @Test
  @Order(1)
  void twoEdgesSharingAShieldCostTheOriginEachSegmentOnce() throws Exception {
    List<JsonObject> segments = fixture.segments("64k").subList(0, 4);
    double originBefore = fixture.segmentRequests();
    List<CompletableFuture<HttpResponse<byte[]>>> fromA = new ArrayList<>();
    List<CompletableFuture<HttpResponse<byte[]>>> fromB = new ArrayList<>();
    // Both edges miss every segment at about the same time, as two regions' players would.
    for (JsonObject seg : segments) {
      fromA.add(Http.getAsync(url(a, seg), "X-CDN-Peer-Request", "peer-in-a"));
      fromB.add(Http.getAsync(url(b, seg)));
    }
    long bytes = 0;
    for (int i = 0; i < segments.size(); i++) {
      JsonObject seg = segments.get(i);
      bytes += seg.getLong("bytes");
      HttpResponse<byte[]> ra = fromA.get(i).get();
      HttpResponse<byte[]> rb = fromB.get(i).get();
      for (HttpResponse<byte[]> r : List.of(ra, rb)) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(EdgeServerIT.sha256(r.body())).isEqualTo(seg.getString("sha256"));
        assertThat(r.headers().firstValue("X-CDN-Shield")).hasValue("edge-shield-s");
      }
      // The shield fetched it once, for whichever edge came first; the other got the shield's copy.
      List<String> caches = List.of(ra.headers().firstValue("X-Cache").orElse(""),
          rb.headers().firstValue("X-Cache").orElse(""));
      assertThat(caches).as(seg.getString("segmentId")).containsOnlyOnce("MISS");
      HttpResponse<byte[]> missed = caches.get(0).equals("MISS") ? ra : rb;
      assertThat(missed.headers().firstValue("X-CDN-Source")).hasValue("origin");
      assertThat(missed.headers().firstValue("X-CDN-Hops")).hasValue("3");
    }
    assertThat(fixture.segmentRequests() - originBefore).isEqualTo(segments.size());
    assertThat(shield.originFetches()).isEqualTo(segments.size());
    assertThat(a.originFetches() + b.originFetches()).isZero();
    assertThat(a.shields().fetches() + b.shields().fetches()).isEqualTo(2L * segments.size());

    // Again from either edge: its own tiers answer, nobody asks the shield or the origin.
    for (JsonObject seg : segments) {
      assertThat(Http.get(url(a, seg)).headers().firstValue("X-Cache")).get().asString().startsWith("HIT");
    }
    assertThat(fixture.segmentRequests() - originBefore).isEqualTo(segments.size());

    // The events add up: MISS bytes of events without a shield id are the origin's egress, once per segment.
    Set<String> ids = segments.stream().map(s -> s.getString("segmentId")).collect(Collectors.toSet());
    List<EdgeServed> events = EdgeEvents.read(KAFKA.bootstrapServers(), fixture.topicPrefix,
        es -> ids.contains(es.getSegmentId().toString()), 5 * segments.size());
    long originEgress = events.stream().filter(e -> e.getCacheResult() == EdgeResult.MISS && e.getShieldId() == null)
        .mapToLong(EdgeServed::getBytes).sum();
    assertThat(originEgress).isEqualTo(bytes);
    List<EdgeServed> atShield = events.stream().filter(e -> e.getEdgeId().toString().equals("edge-shield-s")).toList();
    assertThat(atShield).hasSize(2 * segments.size()).allMatch(e -> e.getRequester() == EdgeRequester.EDGE);
    assertThat(atShield).extracting(e -> e.getRequesterPeerId().toString())
        .containsOnly("edge-shield-a", "edge-shield-b");
    assertThat(events).filteredOn(e -> e.getEdgeId().toString().equals("edge-shield-a") && e.getShieldId() != null)
        .hasSize(segments.size()).allMatch(e -> e.getRequester() == EdgeRequester.PEER);
  }

  @Test
  @Order(2)
  void theShieldsOwnRequestAndAShieldRequestCostTheOriginOneFetch() throws Exception {
    List<JsonObject> segments = fixture.segments("128k").subList(0, 4);
    double originBefore = fixture.segmentRequests();
    long shieldBefore = shield.originFetches();
    List<CompletableFuture<HttpResponse<byte[]>>> atShield = new ArrayList<>();
    List<CompletableFuture<HttpResponse<byte[]>>> fromA = new ArrayList<>();
    // A peer in the shield's region and edge A's peer miss every segment at about the same time.
    for (JsonObject seg : segments) {
      atShield.add(Http.getAsync(url(shield, seg), "X-CDN-Peer-Request", "peer-in-s"));
      fromA.add(Http.getAsync(url(a, seg), "X-CDN-Peer-Request", "peer-in-a"));
    }
    for (int i = 0; i < segments.size(); i++) {
      for (HttpResponse<byte[]> r : List.of(atShield.get(i).get(), fromA.get(i).get())) {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(EdgeServerIT.sha256(r.body())).isEqualTo(segments.get(i).getString("sha256"));
      }
    }
    // One origin fetch per segment: the shield request joined the shield's own fetch (or found its copy).
    assertThat(fixture.segmentRequests() - originBefore).isEqualTo(segments.size());
    assertThat(shield.originFetches() - shieldBefore).isEqualTo(segments.size());
    assertThat(a.originFetches()).isZero();
  }

  @Test
  @Order(3)
  void withTheShieldGoneEdgesAskTheOriginThemselves() throws Exception {
    shield.close();
    List<JsonObject> segments = fixture.segments("64k").subList(4, 7);
    double originBefore = fixture.segmentRequests();
    for (JsonObject seg : segments) {
      HttpResponse<byte[]> r = Http.get(url(a, seg));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(EdgeServerIT.sha256(r.body())).isEqualTo(seg.getString("sha256"));
      assertThat(r.headers().firstValue("X-Cache")).hasValue("MISS");
      assertThat(r.headers().firstValue("X-CDN-Shield")).isEmpty();
      assertThat(r.headers().firstValue("X-CDN-Hops")).hasValue("2");
    }
    assertThat(fixture.segmentRequests() - originBefore).isEqualTo(segments.size());
    assertThat(a.originFetches()).isEqualTo(segments.size());
    // The first request found the shield gone; the others skipped it without trying.
    assertThat(a.shields().fallbacks()).isEqualTo(segments.size());
    assertThat(Http.text("http://127.0.0.1:" + a.port() + "/metrics")).contains("cdn_edge_shield_fallbacks_total");
  }

  private static String url(EdgeServer edge, JsonObject seg) {
    return "http://127.0.0.1:" + edge.port() + "/segments/" + seg.getString("segmentId");
  }
}
