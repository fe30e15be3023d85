package dev.hybridcdn.tracker;

import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.streamskit.StreamsSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Typed configuration of the tracker, read once from the environment at start.
 *
 * @param httpPort {@code HTTP_PORT}, default {@value #DEFAULT_HTTP_PORT}; 0 picks a free port
 * @param common {@code KAFKA_BOOTSTRAP_SERVERS}, {@code TOPIC_PREFIX}
 * @param applicationId {@code TRACKER_APPLICATION_ID}, default {@value #DEFAULT_APPLICATION_ID}:
 *     the Streams application id (consumer group, internal topic prefix)
 * @param heartbeatInterval {@code TRACKER_HEARTBEAT_INTERVAL_MS}, H, default 2000 ms: how often peers heartbeat
 * @param peerTtl {@code TRACKER_PEER_TTL_MS}, default 3 x H: a peer silent this long is expired
 * @param punctuateInterval {@code TRACKER_PUNCTUATE_INTERVAL_MS}, default min(1000, H/2) ms: how
 *     often the wall-clock reaper scans for expired peers (so expiry happens within TTL + this)
 * @param stateDir {@code TRACKER_STATE_DIR}, default {@code <tmp>/cdn-tracker-state}
 * @param standbyReplicas {@code TRACKER_STANDBY_REPLICAS}, default 1
 * @param advertisedHost {@code TRACKER_ADVERTISED_HOST}, default {@code 127.0.0.1}: host other
 *     instances reach this one at; {@code application.server} = host:HTTP port
 * @param loadWindow {@code TRACKER_LOAD_WINDOW_MS}, default 60000 ms: tumbling window size of the
 *     per-peer heartbeat and served-bytes counts
 * @param commitInterval {@code TRACKER_COMMIT_INTERVAL_MS}, default 100 ms (Streams' EOS default)
 * @param sessionTimeout {@code TRACKER_SESSION_TIMEOUT_MS}, default 45000 ms (consumer default);
 *     tests use less so a stopped instance's partitions move quickly
 * @param streamThreads {@code TRACKER_STREAM_THREADS}, default 1
 * @param rttBucketMs {@code TRACKER_RTT_BUCKET_MS}, default 5 ms: RTTs within the same bucket rank equal
 * @param loadBucket {@code TRACKER_LOAD_BUCKET}, default 0.25: loads (0..1) within the same bucket rank equal
 * @param startTimeout {@code TRACKER_START_TIMEOUT_MS}, default 60000 ms: how long {@code start} waits for RUNNING
 * @param streams {@code STREAMS_PROCESSING_GUARANTEE}, {@code STREAMS_BAD_RECORD_POLICY} (streams-kit)
 * @param httpInstances {@code TRACKER_HTTP_INSTANCES}, default the number of cores: HTTP verticle
 *     instances (event loops) sharing the port
 * @param inputStall {@code TRACKER_INPUT_STALL_MS}, S, default min(1.5 x H, TTL), 10 ms..TTL: when
 *     this instance has processed no event from anyone for S, its input is taken as stalled (broker
 *     unreachable) and the reaper pauses. Keep S + H below the TTL, or a live peer whose last heartbeat
 *     came just before the stall reaches the TTL before the pause starts
 * @param reapGrace {@code TRACKER_REAP_GRACE_MS}, default the TTL, 0..1 h: after a stall, how long
 *     the reaper stays paused once events flow again, so every live peer's heartbeat (buffered by its
 *     publisher during the outage) is processed before anyone is judged silent
 * @param reapMaxPause {@code TRACKER_REAP_MAX_PAUSE_MS}, default max(10 x TTL, 60 s), 0 (no bound) or S..1 day:
 *     a stall longer than this no longer pauses the reaper, so a swarm whose every peer died at once
 *     is reaped after this bound even if no event ever comes again
 * @param steeringTtl {@code TRACKER_STEERING_TTL_MS}, default 10000 ms (1 s to 1 h): {@code TTL} of the HLS
 *     Content Steering manifests ({@code GET /steering/{songId}}), rounded up to whole seconds; a dead
 *     peer's pathway leaves a player's priority list within this time
 * @param requireCatalog {@code TRACKER_REQUIRE_CATALOG}, default true: a SegmentCached is indexed only
 *     for a segment {@code cdn.catalog} names (issue 16); false takes any well-formed segment id (tests
 *     and benchmarks without an origin)
 * @param claimRate {@code TRACKER_CLAIMS_PER_SEC}, default 200 (0.1 to 1,000,000): SegmentCached events
 *     per second a peer may send in the long run (token bucket); more are not indexed
 * @param claimBurst {@code TRACKER_CLAIM_BURST}, default 5000 (1 to 10,000,000): the bucket's size, so a
 *     readmitted peer can re-announce its whole cache (256 MiB of 10 s segments at 192 kbit/s is ~1,100)
 * @param demoteReporters {@code TRACKER_DEMOTE_REPORTERS}, default 3 (2 to 1000): distinct peers whose
 *     HolderReported about one holder, within {@code demotion}, demote it (one peer alone cannot)
 * @param demotion {@code TRACKER_DEMOTION_MS}, default 600000 ms (10 min; 1 s to 1 day): how long reports
 *     count, and how long a demoted holder ranks after every other holder
 *
 * <p>The replication factor of every topic the tracker creates, Streams' internal ones included, is
 * the common {@code KAFKA_REPLICATION_FACTOR} ({@link CommonConfig}).
 */
public record TrackerConfig(int httpPort, CommonConfig common, String applicationId, Duration heartbeatInterval,
    Duration peerTtl, Duration punctuateInterval, Path stateDir, int standbyReplicas, String advertisedHost,
    Duration loadWindow, Duration commitInterval, Duration sessionTimeout, int streamThreads, double rttBucketMs,
    double loadBucket, Duration startTimeout, StreamsSettings streams, int httpInstances, Duration inputStall,
    Duration reapGrace, Duration reapMaxPause, Duration steeringTtl, boolean requireCatalog, double claimRate,
    int claimBurst, int demoteReporters, Duration demotion) {

  public static final int DEFAULT_HTTP_PORT = 7070;
  public static final String DEFAULT_APPLICATION_ID = "cdn-tracker";
  public static final long DEFAULT_HEARTBEAT_MS = 2000;

  public TrackerConfig {
    if (peerTtl.compareTo(heartbeatInterval) < 0) {
      throw new ConfigException("TRACKER_PEER_TTL_MS", Long.toString(peerTtl.toMillis()),
          "at least the heartbeat interval (" + heartbeatInterval.toMillis() + " ms)");
    }
    if (inputStall.compareTo(peerTtl) > 0) {
      throw new ConfigException("TRACKER_INPUT_STALL_MS", Long.toString(inputStall.toMillis()),
          "at most the peer TTL (" + peerTtl.toMillis() + " ms)");
    }
    if (!reapMaxPause.isZero() && reapMaxPause.compareTo(inputStall) < 0) {
      throw new ConfigException("TRACKER_REAP_MAX_PAUSE_MS", Long.toString(reapMaxPause.toMillis()),
          "0 (no bound) or at least TRACKER_INPUT_STALL_MS (" + inputStall.toMillis() + " ms)");
    }
  }

  /**
   * Reads every variable once.
   *
   * @throws ConfigException naming the first variable with an invalid value
   */
  public static TrackerConfig from(Env env) {
    int port = env.port("HTTP_PORT", DEFAULT_HTTP_PORT);
    CommonConfig common = CommonConfig.from(env);
    String appId = env.string("TRACKER_APPLICATION_ID", DEFAULT_APPLICATION_ID,
        s -> s.matches("[A-Za-z0-9._-]{1,200}"), "[A-Za-z0-9._-]{1,200}");
    Duration h = env.millis("TRACKER_HEARTBEAT_INTERVAL_MS", Duration.ofMillis(DEFAULT_HEARTBEAT_MS),
        Duration.ofMillis(50), Duration.ofMinutes(10));
    Duration ttl = env.millis("TRACKER_PEER_TTL_MS", h.multipliedBy(3), Duration.ofMillis(50), Duration.ofHours(1));
    Duration punct = env.millis("TRACKER_PUNCTUATE_INTERVAL_MS",
        Duration.ofMillis(Math.max(10, Math.min(1000, h.toMillis() / 2))), Duration.ofMillis(10), Duration.ofMinutes(1));
    Path stateDir = Path.of(env.string("TRACKER_STATE_DIR",
        Path.of(System.getProperty("java.io.tmpdir"), "cdn-tracker-state").toString()));
    int standby = env.integer("TRACKER_STANDBY_REPLICAS", 1, 0, 10);
    String host = env.string("TRACKER_ADVERTISED_HOST", "127.0.0.1",
        s -> s.matches("[A-Za-z0-9.:\\[\\]-]{1,253}"), "a host name or IP address");
    Duration window = env.millis("TRACKER_LOAD_WINDOW_MS", Duration.ofMinutes(1), Duration.ofSeconds(1),
        Duration.ofDays(1));
    Duration commit = env.millis("TRACKER_COMMIT_INTERVAL_MS", Duration.ofMillis(100), Duration.ofMillis(10),
        Duration.ofMinutes(5));
    Duration session = env.millis("TRACKER_SESSION_TIMEOUT_MS", Duration.ofSeconds(45), Duration.ofSeconds(6),
        Duration.ofMinutes(30));
    int threads = env.integer("TRACKER_STREAM_THREADS", 1, 1, 64);
    double rttBucket = env.decimal("TRACKER_RTT_BUCKET_MS", 5.0, 0.001, 10_000);
    double loadBucket = env.decimal("TRACKER_LOAD_BUCKET", 0.25, 0.001, 1.0);
    Duration startTimeout = env.millis("TRACKER_START_TIMEOUT_MS", Duration.ofSeconds(60), Duration.ofSeconds(1),
        Duration.ofMinutes(30));
    int httpInstances = env.integer("TRACKER_HTTP_INSTANCES", Runtime.getRuntime().availableProcessors(), 1, 256);
    Duration stall = env.millis("TRACKER_INPUT_STALL_MS", min(h.multipliedBy(3).dividedBy(2), ttl),
        Duration.ofMillis(10), ttl);
    Duration grace = env.millis("TRACKER_REAP_GRACE_MS", ttl, Duration.ZERO, Duration.ofHours(1));
    // At least a minute: a broker killed and restarted takes ~15 s before the tracker hears events
    // again (KafkaOutageIT), on top of the outage itself.
    Duration maxPause = env.millis("TRACKER_REAP_MAX_PAUSE_MS", max(ttl.multipliedBy(10), Duration.ofMinutes(1)), Duration.ZERO,
        Duration.ofDays(1));
    return new TrackerConfig(port, common, appId, h, ttl, punct, stateDir, standby, host, window, commit, session,
        threads, rttBucket, loadBucket, startTimeout, StreamsSettings.from(env), httpInstances, stall, grace,
        maxPause, env.millis("TRACKER_STEERING_TTL_MS", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofHours(1)),
        env.bool("TRACKER_REQUIRE_CATALOG", true), env.decimal("TRACKER_CLAIMS_PER_SEC", 200, 0.1, 1_000_000),
        env.integer("TRACKER_CLAIM_BURST", 5000, 1, 10_000_000), env.integer("TRACKER_DEMOTE_REPORTERS", 3, 2, 1000),
        env.millis("TRACKER_DEMOTION_MS", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofDays(1)));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** The topic registry under {@code TOPIC_PREFIX}. */
  public TopicRegistry topics() {
    return common.topics();
  }
}
