package dev.hybridcdn.topology;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.streamskit.StreamsSettings;
import dev.hybridcdn.topology.signalling.SignallingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * Settings of a topology-streams instance, read once from the environment.
 *
 * @param common {@code KAFKA_BOOTSTRAP_SERVERS} (default {@code 127.0.0.1:9092}), {@code TOPIC_PREFIX} (default {@code cdn.})
 * @param httpPort {@code HTTP_PORT}, default {@value #DEFAULT_HTTP_PORT}; 0 picks a free port
 * @param applicationId {@code TOPOLOGY_APPLICATION_ID}, default {@value #DEFAULT_APPLICATION_ID}: the Streams
 *     application id, shared by all instances of one deployment
 * @param linkTtl {@code TOPOLOGY_LINK_TTL_MS}, default 60,000 ms (100 ms to 1 day): a link not refreshed
 *     by a LinkMeasured within this time drops out
 * @param stateDir {@code TOPOLOGY_STATE_DIR}, default {@code <java.io.tmpdir>/cdn-topology/<instanceId>}
 * @param instanceId {@code TOPOLOGY_INSTANCE_ID}, default {@code topology-<8 random hex>}; a node id
 *     ({@code [A-Za-z0-9._-]{1,64}}), used in the Streams client id and the default state dir
 * @param startTimeout {@code TOPOLOGY_START_TIMEOUT_MS}, default 60,000 ms: how long {@code start} waits for RUNNING
 * @param streams {@code STREAMS_PROCESSING_GUARANTEE}, {@code STREAMS_BAD_RECORD_POLICY} (streams-kit
 *     {@link StreamsSettings}, the same for both Streams apps)
 * @param httpInstances {@code TOPOLOGY_HTTP_INSTANCES}, default the number of cores (1 to 256): HTTP
 *     verticles (event loops) sharing the port
 * @param signalling {@code SIGNALLING_*}: the signalling WebSocket and its push orders ({@link SignallingConfig})
 *
 * <p>The replication factor of the topics this app creates is {@code KAFKA_REPLICATION_FACTOR}
 * ({@link CommonConfig#replicationFactor()}).
 */
public record TopologyConfig(CommonConfig common, int httpPort, String applicationId, Duration linkTtl,
    Path stateDir, String instanceId, Duration startTimeout, StreamsSettings streams, int httpInstances,
    SignallingConfig signalling) {
  public static final int DEFAULT_HTTP_PORT = 8090;
  public static final String DEFAULT_APPLICATION_ID = "cdn-topology";
  public static final Duration DEFAULT_LINK_TTL = Duration.ofSeconds(60);
  /** RTTs above this (ms) are absurd for an overlay link and are rejected. */
  public static final double MAX_RTT_MS = 60_000;

  /**
   * Reads the configuration.
   *
   * @throws ConfigException naming the first variable with an invalid value
   */
  public static TopologyConfig from(Env env) {
    CommonConfig common = CommonConfig.from(env);
    int port = env.port("HTTP_PORT", DEFAULT_HTTP_PORT);
    String appId = env.string("TOPOLOGY_APPLICATION_ID", DEFAULT_APPLICATION_ID,
        s -> s.matches("[A-Za-z0-9._-]{1,200}"), "a Streams application id of [A-Za-z0-9._-], at most 200 characters");
    Duration ttl = env.millis("TOPOLOGY_LINK_TTL_MS", DEFAULT_LINK_TTL, Duration.ofMillis(100), Duration.ofDays(1));
    String instance = env.string("TOPOLOGY_INSTANCE_ID", "topology-" + UUID.randomUUID().toString().substring(0, 8),
        Ids::isNodeId, "an instance id of [A-Za-z0-9._-], 1 to 64 characters");
    String dir = env.string("TOPOLOGY_STATE_DIR",
        Path.of(System.getProperty("java.io.tmpdir"), "cdn-topology", instance).toString());
    Path stateDir;
    try {
      stateDir = Path.of(dir);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ConfigException("TOPOLOGY_STATE_DIR", dir, "a file system path");
    }
    Duration startTimeout = env.millis("TOPOLOGY_START_TIMEOUT_MS", Duration.ofSeconds(60), Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    int httpInstances = env.integer("TOPOLOGY_HTTP_INSTANCES", Runtime.getRuntime().availableProcessors(), 1, 256);
    return new TopologyConfig(common, port, appId, ttl, stateDir, instance, startTimeout, StreamsSettings.from(env),
        httpInstances, SignallingConfig.from(env));
  }

  /** Topic names and serdes under this config's prefix. */
  public TopicRegistry topics() {
    return common.topics();
  }

  /** Full name of the compacted graph-changes topic, {@code <applicationId>-graph-changes} ({@link AppTopic#TOPOLOGY_GRAPH_CHANGES}). */
  public String graphChangesTopic() {
    return AppTopic.TOPOLOGY_GRAPH_CHANGES.name(applicationId);
  }

  /** How often the link TTL is checked: a quarter of the TTL, between 50 ms and 5 s. */
  public Duration linkCheckInterval() {
    long ms = Math.max(50, Math.min(5_000, linkTtl.toMillis() / 4));
    return Duration.ofMillis(ms);
  }
}
