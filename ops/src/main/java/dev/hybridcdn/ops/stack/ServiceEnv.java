package dev.hybridcdn.ops.stack;

import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.ops.tls.LocalCa;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables of a {@link LocalStack}'s services, as a process would get them: the base they all start from
 * (Kafka, PostgreSQL, Redis, loopback), each one's port, state directory and certificate from the stack's CA,
 * the cluster secret, the player token secret, and what {@code .cdn/stack.env} holds ({@link #stackFile}).
 */
final class ServiceEnv {
  private final StackOptions options;
  private final EmbeddedInfra infra;
  private final String clusterSecret = TrustSettings.newSecret();
  /** The stack's CA ({@code StackOptions.tlsDir}), or null: plain HTTP. */
  private final LocalCa ca;
  private volatile String eventEncoding;

  ServiceEnv(StackOptions options, EmbeddedInfra infra, LocalCa ca) {
    this.options = options;
    this.infra = infra;
    this.ca = ca;
  }

  /** The origin's variables at start. */
  Map<String, String> originEnv() {
    Map<String, String> originEnv = originBase();
    originEnv.putAll(tlsEnv("origin"));
    originEnv.put("HTTP_PORT", port(LocalStack.ORIGIN_PORT));
    // How long a re-ingest's superseded segments stay served (`ORIGIN_RETENTION_MS=30000 ./cdn up`).
    String retention = System.getenv("ORIGIN_RETENTION_MS");
    if (retention != null) {
      originEnv.put("ORIGIN_RETENTION_MS", retention);
    }
    return originEnv;
  }

  /** The base of the tracker, topology and dashboard apps. */
  private Map<String, String> appBase() {
    Map<String, String> base = storesEnv();
    base.put("CLUSTER_SECRET", clusterSecret); // the verifiers of the peers' and edges' events
    return base;
  }

  /**
   * Instance {@code i} of the tracker: the same application id for all (Kafka Streams splits the
   * partitions between them and each answers any lookup), its own port and state directory.
   */
  Map<String, String> trackerEnv(int i) {
    Map<String, String> env = appBase();
    env.put("HTTP_PORT", port(LocalStack.TRACKER_PORT + i));
    env.put("TRACKER_STATE_DIR", options.dataDir().resolve(i == 0 ? "tracker" : "tracker-" + (i + 1)).toString());
    env.put("TRACKER_STANDBY_REPLICAS", "0");
    // Every service shares this JVM's CPU: a heartbeat (every 2 s) can be seconds late on a busy
    // laptop, so a crashed peer is reaped after 15 s instead of the default 3 x 2 s.
    env.put("TRACKER_PEER_TTL_MS", "15000");
    env.putAll(tlsEnv("tracker-" + (i + 1)));
    return env;
  }

  /** The topology app's variables. */
  Map<String, String> topologyEnv() {
    Map<String, String> topologyEnv = appBase();
    topologyEnv.put("HTTP_PORT", port(LocalStack.TOPOLOGY_PORT));
    topologyEnv.putAll(tlsEnv("topology"));
    topologyEnv.put("TOPOLOGY_STATE_DIR", options.dataDir().resolve("topology").toString());
    return topologyEnv;
  }

  /** The dashboard's variables: the apps' and the origin's URLs besides its own port. */
  Map<String, String> dashboardEnv(String topologyUrl, List<String> trackerUrls, String originUrl) {
    Map<String, String> env = appBase();
    env.put("HTTP_PORT", port(LocalStack.DASHBOARD_PORT));
    env.putAll(tlsEnv("dashboard"));
    env.put("TOPOLOGY_URL", topologyUrl);
    env.put("TRACKER_URLS", String.join(",", trackerUrls));
    env.put("ORIGIN_URL", originUrl);
    putPlayerTokenSecret(env); // the web player's tokens are signed by the dashboard
    return env;
  }

  /**
   * The TLS variables of one service (the stack's own, or a delivery tier's): its own certificate for 127.0.0.1,
   * ::1 and localhost ({@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}) and the CA ({@code TLS_CA_FILE}); none
   * without a CA.
   */
  Map<String, String> tlsEnv(String service) {
    if (ca == null) {
      return Map.of();
    }
    LocalCa.Issued cert = ca.issue(service, LocalCa.LOCAL_HOSTS);
    return Map.of(TlsSettings.CERT_FILE, cert.certFile().toString(), TlsSettings.KEY_FILE, cert.keyFile().toString(),
        TlsSettings.CA_FILE, ca.caFile().toString());
  }

  /** How this stack's clients trust its servers: the CA's file, or the JVM's default alone. */
  TlsSettings clientTls() {
    return ca == null ? TlsSettings.off() : new TlsSettings(null, null, ca.caFile());
  }

  /** {@code http(s)://127.0.0.1:<port>}, the scheme the stack's services serve. */
  String localUrl(int port) {
    return (ca == null ? "http" : "https") + "://127.0.0.1:" + port;
  }

  private String port(int defaultPort) {
    return options.defaultPorts() ? Integer.toString(defaultPort) : "0";
  }

  /** {@link #baseEnv(String, String, int, String)} of the embedded stores, and the schema registry in registry mode. */
  private Map<String, String> storesEnv() {
    Map<String, String> env = baseEnv(infra.kafkaBootstrapServers(), options.topicPrefix(), infra.postgresPort(),
        infra.redisUrl());
    if (options.schemaRegistryUrl() != null) {
      env.put("SCHEMA_REGISTRY_URL", options.schemaRegistryUrl());
    }
    return env;
  }

  /**
   * The variables every service of a local stack starts from: {@code KAFKA_BOOTSTRAP_SERVERS},
   * {@code TOPIC_PREFIX}, {@code PG*} (127.0.0.1, database, user and password {@code postgres}),
   * {@code REDIS_URL}, {@code BIND_HOST} {@code 127.0.0.1} (issue 16: a local stack listens on loopback only;
   * docker compose keeps the services' default, every interface of the container); in a mutable map, in that order.
   */
  static Map<String, String> baseEnv(String bootstrap, String topicPrefix, int postgresPort, String redisUrl) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.put("TOPIC_PREFIX", topicPrefix);
    env.put("PGHOST", "127.0.0.1");
    env.put("PGPORT", Integer.toString(postgresPort));
    env.put("PGDATABASE", "postgres");
    env.put("PGUSER", "postgres");
    env.put("PGPASSWORD", "postgres");
    env.put("REDIS_URL", redisUrl);
    env.put("BIND_HOST", "127.0.0.1");
    return env;
  }

  /**
   * The variables a process needs to reach this stack: {@code KAFKA_BOOTSTRAP_SERVERS},
   * {@code TOPIC_PREFIX}, {@code PG*}, {@code REDIS_URL}, {@code ORIGIN_URL}, {@code TRACKER_URLS}
   * (every instance, as peers take it), {@code TRACKER_URL} (the first, for {@code cdn swarm}),
   * {@code TOPOLOGY_URL}, {@code DASHBOARD_URL}, {@code PLAYER_TOKEN_SECRET} with {@code --auth},
   * {@code SCHEMA_REGISTRY_URL} in registry mode, {@code TLS_CA_FILE} over HTTPS and, once a
   * delivery tier runs, {@code EDGE_URLS} and {@code PEER_URLS}.
   *
   * @param kafkaForwarded whether 127.0.0.1:{@value LocalStack#KAFKA_PORT} answers for the embedded broker
   * @param deliveries the running delivery tiers, in start order (the last one's URLs count)
   */
  Map<String, String> stackFile(boolean kafkaForwarded, String originUrl, List<String> trackerUrls,
      String topologyUrl, String dashboardUrl, List<Delivery> deliveries) {
    Map<String, String> env = storesEnv();
    if (kafkaForwarded) {
      env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalStack.KAFKA_PORT);
    }
    env.put("ORIGIN_URL", originUrl);
    env.put("TRACKER_URL", trackerUrls.get(0));
    env.put("TRACKER_URLS", String.join(",", trackerUrls));
    env.put("TOPOLOGY_URL", topologyUrl);
    env.put("DASHBOARD_URL", dashboardUrl);
    putPlayerTokenSecret(env); // for cdn token and cdn swarm (.cdn/stack.env, never committed)
    if (ca != null) {
      env.put(TlsSettings.CA_FILE, ca.caFile().toString()); // for cdn swarm, get, list
    }
    if (!deliveries.isEmpty()) {
      Delivery d = deliveries.get(deliveries.size() - 1);
      env.put("EDGE_URLS", String.join(",", d.edgeUrls()));
      env.put("PEER_URLS", String.join(",", d.peers().stream().map(PeerRef::baseUrl).toList()));
    }
    return env;
  }

  private void putPlayerTokenSecret(Map<String, String> env) {
    if (options.playerTokenSecret() != null) {
      env.put(PlayerTokens.SECRET, options.playerTokenSecret());
    }
  }

  /**
   * The variables every service of this stack starts from (Kafka, PostgreSQL, Redis, registry, the
   * cluster secret; the player token secret with {@code --auth}): what a service started beside the
   * stack needs to join it.
   */
  Map<String, String> baseEnv() {
    Map<String, String> env = storesEnv();
    // Event authentication on (issue 16): one secret per stack, shared by the trackers and topology
    // (verifiers) and the peer hosts and edges (which admit their own nodes). Never in env(): the
    // stack file other commands read does not need it.
    env.put("CLUSTER_SECRET", clusterSecret);
    putPlayerTokenSecret(env); // edges and peers check player tokens; peers sign their own requests
    if (eventEncoding != null) {
      env.put("EVENT_ENCODING", eventEncoding);
    }
    return env;
  }

  /**
   * Registry mode: {@code EVENT_ENCODING} of the delivery tiers started from now on
   * ({@code single-object} then {@code confluent} is a migration: every service reads both).
   */
  void eventEncoding(String encoding) {
    this.eventEncoding = encoding;
  }

  /** The origin's configuration (for ingests through {@link Ingester}). */
  OriginConfig originConfig(int originPort) {
    Map<String, String> env = originBase();
    env.put("HTTP_PORT", Integer.toString(originPort));
    return OriginConfig.from(new Env(env));
  }

  /** What the origin and an ingest's origin configuration share: the stores, and patience with PostgreSQL. */
  private Map<String, String> originBase() {
    Map<String, String> env = storesEnv();
    // A fresh embedded PostgreSQL on a busy laptop can take seconds to answer the first queries.
    env.put("ORIGIN_DB_TIMEOUT_MS", "15000");
    return env;
  }
}
