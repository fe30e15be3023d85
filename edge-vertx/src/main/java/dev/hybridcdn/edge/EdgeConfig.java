package dev.hybridcdn.edge;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.files.TmpfsFiles;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.config.PgSettings;
import dev.hybridcdn.edge.shield.ShieldClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Everything an edge reads from its environment, once, at start ({@link #from(Env)}). A bad value
 * throws {@link ConfigException} naming the variable.
 *
 * @param edgeId {@code EDGE_ID}, default {@code edge-1}; {@code [A-Za-z0-9._-]{1,64}}
 * @param region {@code REGION}, default {@code local}
 * @param httpPort {@code HTTP_PORT}, default 8082; 0 picks a free port ({@link EdgeServer#port()})
 * @param originUrl {@code ORIGIN_URL}, default {@code http://127.0.0.1:8081}, no trailing slash
 * @param originTimeout {@code EDGE_ORIGIN_TIMEOUT_MS}, default 5000 ms: bound on one origin request
 *     (connect plus response); past it an uncached segment answers 504
 * @param redisUrl {@code REDIS_URL}, default {@code redis://127.0.0.1:6379}
 * @param redisKeyPrefix {@code EDGE_REDIS_KEY_PREFIX}, default {@code cdn:edge:<edgeId>:}; every
 *     Redis key of this edge starts with it
 * @param redisTtl {@code EDGE_REDIS_TTL_MS}, default 3,600,000 ms: a hot-tier entry expires after
 *     this long without a hit (each hit renews it)
 * @param redisBudgetBytes {@code EDGE_REDIS_BUDGET_BYTES}, default 268,435,456 (256 MiB): segment
 *     bytes this edge keeps in Redis; past it least-recently-used entries are evicted
 * @param redisTimeout {@code EDGE_REDIS_TIMEOUT_MS}, default 500 ms: bound on one Redis command
 * @param nearCacheBytes {@code EDGE_NEAR_CACHE_BYTES}, default 67,108,864 (64 MiB): segment bytes
 *     the edge process keeps in its own memory in front of Redis; 0 turns this near cache off
 * @param nearCacheTtl {@code EDGE_NEAR_CACHE_TTL_MS}, default 1000 ms: how long a near-cache copy is
 *     served before Redis is read again
 * @param nearCacheDir {@code EDGE_NEAR_CACHE_DIR}, default {@code /dev/shm} where that is a tmpfs
 *     directory, else {@code none}: a directory on tmpfs where the near cache keeps its copies as
 *     files, answered with {@code sendfile(2)} (no copy through the JVM per answer; issue 19);
 *     {@code none} keeps them as off-heap buffers in the process. Under Docker, /dev/shm is 64 MiB
 *     unless {@code shm_size} says more: a copy that does not fit stays in memory
 * @param pg PostgreSQL connection ({@code PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD}, libpq's names
 *     and defaults, {@link PgSettings})
 * @param pgBudgetBytes {@code EDGE_PG_BUDGET_BYTES}, default 2,147,483,648 (2 GiB): segment bytes
 *     this edge keeps in PostgreSQL; past it least-recently-used rows are deleted
 * @param pgTimeout {@code EDGE_PG_TIMEOUT_MS}, default 2000 ms: bound on one PostgreSQL query
 * @param manifestTtl {@code EDGE_MANIFEST_TTL_MS}, default 30,000 ms: how long a song list, manifest
 *     or playlist from the origin is served before it is fetched again (a stale copy is still served
 *     while the origin is down)
 * @param documentCacheEntries {@code EDGE_DOCUMENT_CACHE_ENTRIES}, default 10,000: at most this many
 *     song lists, manifests and playlists are kept (for freshness and for stale-if-error); past it the
 *     least-recently-used copy is dropped
 * @param documentCacheBytes {@code EDGE_DOCUMENT_CACHE_BYTES}, default 67,108,864 (64 MiB): at most
 *     this many body bytes of those copies are kept; past it the least-recently-used copy is dropped,
 *     and a single document larger than this is passed through but never kept
 * @param staleIfError {@code EDGE_STALE_IF_ERROR_MS}, default 86,400,000 ms (1 day): while the
 *     origin is down or failing, a kept copy at most this old (since the origin sent it) is served
 *     stale ({@code X-Cache: STALE}, RFC 5861 {@code stale-if-error}, advertised in seconds in
 *     {@code Cache-Control}); an older or missing copy answers 503 with {@code Retry-After}
 * @param originProbe {@code EDGE_ORIGIN_PROBE_MS}, default 1000 ms: while the origin is known down
 *     the edge asks it nothing for requests (503 at once, {@code Retry-After} this long rounded up to
 *     seconds) and probes its {@code /ping} in the background this often to notice its return
 * @param idleTimeout {@code EDGE_IDLE_TIMEOUT_MS}, default 60,000 ms: a client connection with no
 *     byte read or written for this long is closed; 0 keeps idle connections open. Keep it above
 *     the clients' 30 s keep-alive ({@code servicekit.http.KeepAlive}), or a request may meet the close
 * @param writeTimeout {@code EDGE_WRITE_TIMEOUT_MS}, default 20,000 ms: a response of which the
 *     client takes no byte for this long (checked this often; nginx's {@code send_timeout}) closes
 *     the connection at once, so a stalled or trickling reader cannot hold the edge's memory
 * @param flightWait {@code EDGE_FLIGHT_WAIT_MS}, default 10,000 ms: bound on how long a request waits
 *     for a fetch of the same segment already under way
 * @param eventLoops {@code EDGE_EVENT_LOOPS}, default the number of CPUs: HTTP server instances
 * @param eventBufferEvents {@code EDGE_EVENT_BUFFER}, default 50,000 events waiting for Kafka before
 *     new ones are dropped (and counted in {@code cdn_events_dropped_total})
 * @param sourceAddress {@code EDGE_SOURCE_ADDRESS}, default empty (the OS picks): local address of
 *     the connections to the origin; a local stack's emulated network (service-kit
 *     {@code ShapedNetwork}) tells nodes apart by it
 * @param shields {@code EDGE_SHIELDS}, default none: the origin shield (tiered cache), comma-separated
 *     {@code <edge id>=<base URL>} entries; a segment this edge misses is asked of one of them
 *     (rendezvous hashing on the segment id, so every edge picks the same one) before the origin,
 *     unless that one is this edge ({@link dev.hybridcdn.edge.shield.ShieldClient})
 * @param shieldTimeout {@code EDGE_SHIELD_TIMEOUT_MS}, default {@code EDGE_ORIGIN_TIMEOUT_MS} + 1000 ms:
 *     bound on one request to a shield (which may itself wait up to its origin timeout); past it, or
 *     on any failure, the edge asks the origin itself
 * @param common {@code KAFKA_BOOTSTRAP_SERVERS}, {@code TOPIC_PREFIX}
 * @param trust {@code CLUSTER_SECRET}, {@code EVENT_AUTH}, {@code ADMISSION_TTL_MS} (service-kit
 *     {@code TrustSettings}): with a secret the edge admits itself and signs its EdgeServed events
 * @param playerTokens {@code PLAYER_TOKEN_SECRET} (service-kit {@code PlayerTokens}): with it, playlists and
 *     segments need a signed token; null (unset): open
 */
public record EdgeConfig(
    String edgeId,
    String region,
    int httpPort,
    String originUrl,
    Duration originTimeout,
    String redisUrl,
    String redisKeyPrefix,
    Duration redisTtl,
    long redisBudgetBytes,
    Duration redisTimeout,
    long nearCacheBytes,
    Duration nearCacheTtl,
    String nearCacheDir,
    PgSettings pg,
    long pgBudgetBytes,
    Duration pgTimeout,
    Duration manifestTtl,
    int documentCacheEntries,
    long documentCacheBytes,
    Duration staleIfError,
    Duration originProbe,
    Duration idleTimeout,
    Duration writeTimeout,
    Duration flightWait,
    int eventLoops,
    int eventBufferEvents,
    String sourceAddress,
    List<ShieldClient.Shield> shields,
    Duration shieldTimeout,
    CommonConfig common,
    TrustSettings trust,
    PlayerTokens playerTokens) {

  public static final int DEFAULT_HTTP_PORT = 8082;
  public static final String DEFAULT_ORIGIN_URL = "http://127.0.0.1:8081";
  public static final String DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
  public static final long DEFAULT_REDIS_BUDGET_BYTES = 256L << 20;
  public static final long DEFAULT_PG_BUDGET_BYTES = 2L << 30;
  public static final long DEFAULT_NEAR_CACHE_BYTES = 64L << 20;
  /** {@code EDGE_NEAR_CACHE_DIR}'s value for copies kept in the process's memory. */
  public static final String NEAR_CACHE_IN_MEMORY = "none";
  public static final int DEFAULT_DOCUMENT_CACHE_ENTRIES = 10_000;
  public static final long DEFAULT_DOCUMENT_CACHE_BYTES = 64L << 20;

  /**
   * Reads and validates every variable.
   *
   * @throws ConfigException naming the first invalid variable
   */
  public static EdgeConfig from(Env env) {
    String edgeId = env.string("EDGE_ID", "edge-1", Ids::isNodeId, "an edge id of [A-Za-z0-9._-]{1,64}");
    String region = env.string("REGION", "local", Ids::isRegion, "a region such as eu-west ([a-z0-9-], up to 32)");
    int port = env.port("HTTP_PORT", DEFAULT_HTTP_PORT);
    String origin = env.httpUrl("ORIGIN_URL", DEFAULT_ORIGIN_URL);
    Duration originTimeout = env.millis("EDGE_ORIGIN_TIMEOUT_MS", Duration.ofSeconds(5), Duration.ofMillis(50),
        Duration.ofMinutes(5));
    String redisUrl = env.string("REDIS_URL", DEFAULT_REDIS_URL, EdgeConfig::isRedisUrl,
        "a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379");
    String keyPrefix = env.string("EDGE_REDIS_KEY_PREFIX", "cdn:edge:" + edgeId + ":",
        s -> s.length() <= 200 && s.chars().noneMatch(c -> c <= ' ' || c == '*' || c == '?' || c == '['),
        "a Redis key prefix without spaces or glob characters, up to 200 characters");
    Duration redisTtl = env.millis("EDGE_REDIS_TTL_MS", Duration.ofHours(1), Duration.ofMillis(100),
        Duration.ofDays(30));
    long redisBudget = env.longValue("EDGE_REDIS_BUDGET_BYTES", DEFAULT_REDIS_BUDGET_BYTES, 1, Long.MAX_VALUE / 2);
    Duration redisTimeout = env.millis("EDGE_REDIS_TIMEOUT_MS", Duration.ofMillis(500), Duration.ofMillis(10),
        Duration.ofMinutes(1));
    long nearBytes = env.longValue("EDGE_NEAR_CACHE_BYTES", DEFAULT_NEAR_CACHE_BYTES, 0, Long.MAX_VALUE / 2);
    Duration nearTtl = env.millis("EDGE_NEAR_CACHE_TTL_MS", Duration.ofSeconds(1), Duration.ofMillis(1),
        Duration.ofHours(1));
    String nearDir = env.string("EDGE_NEAR_CACHE_DIR",
        TmpfsFiles.isTmpfsDirectory(TmpfsFiles.SHM) ? TmpfsFiles.SHM.toString() : NEAR_CACHE_IN_MEMORY,
        s -> s.equals(NEAR_CACHE_IN_MEMORY) || TmpfsFiles.isTmpfsDirectory(java.nio.file.Path.of(s)),
        "a directory on tmpfs (e.g. /dev/shm), or " + NEAR_CACHE_IN_MEMORY + " for copies in the process's memory");
    PgSettings pg = PgSettings.from(env);
    long pgBudget = env.longValue("EDGE_PG_BUDGET_BYTES", DEFAULT_PG_BUDGET_BYTES, 1, Long.MAX_VALUE / 2);
    Duration pgTimeout = env.millis("EDGE_PG_TIMEOUT_MS", Duration.ofSeconds(2), Duration.ofMillis(10),
        Duration.ofMinutes(1));
    Duration manifestTtl = env.millis("EDGE_MANIFEST_TTL_MS", Duration.ofSeconds(30), Duration.ZERO,
        Duration.ofDays(1));
    int documentEntries = env.integer("EDGE_DOCUMENT_CACHE_ENTRIES", DEFAULT_DOCUMENT_CACHE_ENTRIES, 1, 10_000_000);
    long documentBytes = env.longValue("EDGE_DOCUMENT_CACHE_BYTES", DEFAULT_DOCUMENT_CACHE_BYTES, 1, Long.MAX_VALUE / 2);
    Duration staleIfError = env.millis("EDGE_STALE_IF_ERROR_MS", Duration.ofDays(1), Duration.ZERO,
        Duration.ofDays(365));
    Duration originProbe = env.millis("EDGE_ORIGIN_PROBE_MS", Duration.ofSeconds(1), Duration.ofMillis(10),
        Duration.ofMinutes(10));
    Duration idleTimeout = env.millis("EDGE_IDLE_TIMEOUT_MS", Duration.ofMinutes(1), Duration.ZERO,
        Duration.ofDays(1));
    Duration writeTimeout = env.millis("EDGE_WRITE_TIMEOUT_MS", Duration.ofSeconds(20), Duration.ofMillis(10),
        Duration.ofHours(1));
    Duration flightWait = env.millis("EDGE_FLIGHT_WAIT_MS", Duration.ofSeconds(10), Duration.ofMillis(10),
        Duration.ofMinutes(5));
    int loops = env.integer("EDGE_EVENT_LOOPS", Math.max(1, Runtime.getRuntime().availableProcessors()), 1, 256);
    int buffer = env.integer("EDGE_EVENT_BUFFER", 50_000, 1, 10_000_000);
    return new EdgeConfig(edgeId, region, port, origin, originTimeout, redisUrl, keyPrefix, redisTtl, redisBudget,
        redisTimeout, nearBytes, nearTtl, nearDir, pg, pgBudget, pgTimeout, manifestTtl,
        documentEntries, documentBytes, staleIfError, originProbe, idleTimeout, writeTimeout, flightWait, loops, buffer,
        env.string("EDGE_SOURCE_ADDRESS", "", s -> s.matches("[0-9.]*"), "an IPv4 address"),
        ShieldClient.parse("EDGE_SHIELDS", env.string("EDGE_SHIELDS", "")),
        env.millis("EDGE_SHIELD_TIMEOUT_MS", originTimeout.plusSeconds(1), Duration.ofMillis(50), Duration.ofMinutes(5)),
        CommonConfig.from(env), TrustSettings.from(env), PlayerTokens.from(env));
  }

  private static boolean isRedisUrl(String s) {
    try {
      URI uri = new URI(s);
      return ("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }
}
