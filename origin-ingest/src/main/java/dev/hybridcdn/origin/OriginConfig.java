package dev.hybridcdn.origin;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.config.PgSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Typed configuration of the origin (server and ingest), read once from the environment.
 *
 * @param httpPort {@code HTTP_PORT}, default {@value #DEFAULT_HTTP_PORT}; 0 picks a free port
 * @param httpInstances {@code ORIGIN_EVENT_LOOPS}, HTTP server instances (one event loop each) on
 *     the one port, default the number of CPUs, 1 to 256
 * @param pg PostgreSQL ({@code PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD}, libpq's names and
 *     defaults, {@link PgSettings})
 * @param common {@code KAFKA_BOOTSTRAP_SERVERS} and {@code TOPIC_PREFIX}
 * @param renditions {@code ORIGIN_RENDITIONS}, the rendition ladder, default {@code 64k,128k,192k}
 *     (each a rendition name {@code <kbps>k}; AAC bitrate of that rendition, 8 to 512 kb/s)
 * @param segmentSeconds {@code ORIGIN_SEGMENT_SECONDS}, target HLS segment length in seconds,
 *     default {@value #DEFAULT_SEGMENT_SECONDS} (Apple's HLS authoring spec once recommended 10 s)
 * @param cacheBytes {@code ORIGIN_CACHE_BYTES}, bound of the hot-segment memory cache in bytes,
 *     default {@value #DEFAULT_CACHE_BYTES} (64 MiB); 0 turns the cache off
 * @param ffmpegPath {@code FFMPEG_PATH}, an ffmpeg executable to use instead of the one on PATH or
 *     in the {@code org.bytedeco:ffmpeg} jar; null when unset
 * @param ffprobePath {@code FFPROBE_PATH}, same for ffprobe; null when unset
 * @param dbTimeout {@code ORIGIN_DB_TIMEOUT_MS}, bound on connecting to PostgreSQL and on waiting
 *     for a pooled connection or a read, default {@value #DEFAULT_DB_TIMEOUT_MS} ms; past it a
 *     request answers 503
 * @param dbPoolSize {@code ORIGIN_DB_POOL_SIZE}, PostgreSQL connections, default {@value #DEFAULT_DB_POOL_SIZE}
 * @param publishTimeout {@code ORIGIN_PUBLISH_TIMEOUT_MS}, how long an ingest waits for Kafka to
 *     acknowledge SongPublished (and for topic creation), default {@value #DEFAULT_PUBLISH_TIMEOUT_MS} ms
 * @param retention {@code ORIGIN_RETENTION_MS}, how long segments a re-ingest superseded stay served
 *     (so a player holding the old playlist finishes it) before they are deleted and announced as
 *     SongRetired, default {@value #DEFAULT_RETENTION_MS} ms (10 min), 0 to 7 days
 */
public record OriginConfig(int httpPort, int httpInstances, PgSettings pg, CommonConfig common,
    List<String> renditions, int segmentSeconds, long cacheBytes, String ffmpegPath, String ffprobePath,
    Duration dbTimeout, int dbPoolSize, Duration publishTimeout, Duration retention) {

  public static final int DEFAULT_HTTP_PORT = 8081;
  public static final String DEFAULT_RENDITIONS = "64k,128k,192k";
  public static final int DEFAULT_SEGMENT_SECONDS = 10;
  public static final long DEFAULT_CACHE_BYTES = 64L * 1024 * 1024;
  public static final long DEFAULT_DB_TIMEOUT_MS = 3000;
  public static final int DEFAULT_DB_POOL_SIZE = 8;
  public static final long DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;
  public static final long DEFAULT_RETENTION_MS = 600_000;

  public OriginConfig {
    renditions = List.copyOf(renditions);
  }

  /**
   * Reads every variable above.
   *
   * @throws ConfigException naming the first variable with an invalid value
   */
  public static OriginConfig from(Env env) {
    int httpPort = env.port("HTTP_PORT", DEFAULT_HTTP_PORT);
    int httpInstances = env.integer("ORIGIN_EVENT_LOOPS", Math.max(1, Runtime.getRuntime().availableProcessors()),
        1, 256);
    PgSettings pg = PgSettings.from(env);
    CommonConfig common = CommonConfig.from(env);
    List<String> renditions = renditions(env.string("ORIGIN_RENDITIONS", DEFAULT_RENDITIONS));
    int segmentSeconds = env.integer("ORIGIN_SEGMENT_SECONDS", DEFAULT_SEGMENT_SECONDS, 1, 60);
    long cacheBytes = env.longValue("ORIGIN_CACHE_BYTES", DEFAULT_CACHE_BYTES, 0, 64L * 1024 * 1024 * 1024);
    String ffmpeg = executable(env, "FFMPEG_PATH");
    String ffprobe = executable(env, "FFPROBE_PATH");
    Duration dbTimeout = env.millis("ORIGIN_DB_TIMEOUT_MS", Duration.ofMillis(DEFAULT_DB_TIMEOUT_MS),
        Duration.ofMillis(100), Duration.ofMinutes(5));
    int poolSize = env.integer("ORIGIN_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE, 1, 256);
    Duration publishTimeout = env.millis("ORIGIN_PUBLISH_TIMEOUT_MS", Duration.ofMillis(DEFAULT_PUBLISH_TIMEOUT_MS),
        Duration.ofMillis(500), Duration.ofHours(1));
    Duration retention = env.millis("ORIGIN_RETENTION_MS", Duration.ofMillis(DEFAULT_RETENTION_MS), Duration.ZERO,
        Duration.ofDays(7));
    return new OriginConfig(httpPort, httpInstances, pg, common, renditions,
        segmentSeconds, cacheBytes, ffmpeg, ffprobe, dbTimeout, poolSize, publishTimeout, retention);
  }

  private static List<String> renditions(String raw) {
    String what = "a comma-separated list of distinct renditions <kbps>k from 8k to 512k, e.g. 64k,128k,192k";
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (String part : raw.split(",")) {
      String name = part.strip();
      if (!Ids.isRendition(name) || Ids.bitrateKbps(name) < 8 || Ids.bitrateKbps(name) > 512 || !names.add(name)) {
        throw new ConfigException("ORIGIN_RENDITIONS", raw, what);
      }
    }
    if (names.isEmpty() || names.size() > 8) {
      throw new ConfigException("ORIGIN_RENDITIONS", raw, what + " (1 to 8 of them)");
    }
    return new ArrayList<>(names);
  }

  private static String executable(Env env, String name) {
    String v = env.raw(name);
    if (v == null) {
      return null;
    }
    Path p = Path.of(v);
    if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
      throw new ConfigException(name, v, "the path of an executable file");
    }
    return p.toAbsolutePath().toString();
  }
}
