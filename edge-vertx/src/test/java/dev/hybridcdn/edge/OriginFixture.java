package dev.hybridcdn.edge;

import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.OriginServer;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.testkit.PostgresExtension;
import dev.hybridcdn.testkit.RedisExtension;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real origin for edge ITs: one ingest (real FFmpeg) of the Morning Coffee track into this test
 * class's PostgreSQL database, then a real {@link OriginServer} on a free port. 4 s segments and two
 * renditions, so a short track gives enough segments for the budget tests.
 */
final class OriginFixture implements AutoCloseable {
  static final String SONG = "coffee";
  static final Path MEDIA = locateMedia();

  final OriginServer origin;
  final String topicPrefix;
  final String bootstrap;
  final JsonObject manifest;
  final PostgresExtension pg;

  private OriginFixture(OriginServer origin, String topicPrefix, String bootstrap, JsonObject manifest,
      PostgresExtension pg) {
    this.origin = origin;
    this.topicPrefix = topicPrefix;
    this.bootstrap = bootstrap;
    this.manifest = manifest;
    this.pg = pg;
  }

  static OriginFixture start(PostgresExtension pg, KafkaBrokerExtension kafka) throws Exception {
    String prefix = kafka.uniquePrefix("edge");
    Map<String, String> env = new HashMap<>(pgEnv(pg));
    env.put("HTTP_PORT", "0");
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("TOPIC_PREFIX", prefix);
    env.put("ORIGIN_RENDITIONS", "64k,128k");
    env.put("ORIGIN_SEGMENT_SECONDS", "4");
    OriginConfig config = OriginConfig.from(new Env(env));
    try (Ingester ingester = Ingester.start(config)) {
      ingester.ingest(MEDIA, SONG, "Morning Coffee");
    }
    OriginServer origin = OriginServer.start(config);
    JsonObject manifest = new JsonObject(new String(Http.get(origin.baseUrl() + "/songs/" + SONG).body()));
    return new OriginFixture(origin, prefix, kafka.bootstrapServers(), manifest, pg);
  }

  static Map<String, String> pgEnv(PostgresExtension pg) {
    return Map.of("PGHOST", pg.host(), "PGPORT", Integer.toString(pg.port()), "PGDATABASE", pg.database(),
        "PGUSER", pg.user(), "PGPASSWORD", pg.password() == null ? "" : pg.password());
  }

  /** Edge environment pointing at this origin, this class's database and Redis key prefix. */
  Map<String, String> edgeEnv(String edgeId, RedisExtension redis) {
    Map<String, String> env = new HashMap<>(pgEnv(pg));
    env.put("EDGE_ID", edgeId);
    env.put("REGION", "test");
    env.put("HTTP_PORT", "0");
    env.put("ORIGIN_URL", origin.baseUrl());
    env.put("REDIS_URL", redis.url());
    env.put("EDGE_REDIS_KEY_PREFIX", redis.keyPrefix() + edgeId + ":");
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.put("TOPIC_PREFIX", topicPrefix);
    env.put("EDGE_EVENT_LOOPS", "2");
    env.put("EDGE_ORIGIN_TIMEOUT_MS", "3000");
    env.put("EDGE_NEAR_CACHE_TTL_MS", "200");
    return env;
  }

  /** Segment ids of one rendition, in order. */
  List<JsonObject> segments(String rendition) {
    List<JsonObject> out = new ArrayList<>();
    JsonArray renditions = manifest.getJsonArray("renditions");
    for (int i = 0; i < renditions.size(); i++) {
      JsonObject r = renditions.getJsonObject(i);
      if (rendition.equals(r.getString("name"))) {
        r.getJsonArray("segments").forEach(s -> out.add((JsonObject) s));
      }
    }
    return out;
  }

  /** Segment requests the origin has answered ({@code cdn_origin_segment_requests_total}). */
  double segmentRequests() {
    Counter c = origin.metrics().registry().find("cdn.origin.segment.requests").counter();
    return c == null ? 0 : c.count();
  }

  @Override
  public void close() {
    origin.close();
  }

  private static Path locateMedia() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path media = p.resolve("media/manolo_camp-morning_coffee.mp3");
      if (Files.isRegularFile(media)) {
        return media;
      }
    }
    throw new IllegalStateException("media/manolo_camp-morning_coffee.mp3 not found above " + Path.of("").toAbsolutePath());
  }
}
