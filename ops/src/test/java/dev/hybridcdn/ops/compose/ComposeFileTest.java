package dev.hybridcdn.ops.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.kafka.registry.ApicurioRegistry;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.topology.TopologyConfig;
import dev.hybridcdn.tracker.TrackerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Docker cannot run on the development machines, so this checks {@code docker-compose.yml}
 * against the code: every variable a service sets is one its module reads (found in the module's
 * {@code *Config.java} sources and service-kit's {@code CommonConfig}), every value passes the
 * module's own {@code XConfig.from(Env)}, ports and health checks match {@code HTTP_PORT} and the
 * defaults of ARCHITECTURE.md, and service URLs point at services that exist on the right port.
 */
class ComposeFileTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern VAR_LITERAL = Pattern.compile("\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})\"");
  private static final Pattern DEFAULTED = Pattern.compile("\\$\\{[A-Z][A-Z0-9_]*:-(.*)}");
  private static final Pattern SHELL_ASSIGN = Pattern.compile("\\b([A-Z][A-Z0-9_]+)=");

  private static Map<String, Map<String, Object>> services;

  /** Service module of each compose service built from this repository, and its config parser. */
  private static final Map<String, String> MODULE = Map.of(
      "origin", "origin-ingest", "ingest", "origin-ingest", "edge-1", "edge-vertx", "edge-2", "edge-vertx",
      "tracker-1", "tracker-streams", "tracker-2", "tracker-streams", "topology", "topology-streams",
      "peer", "peer-vertx", "peer-us", "peer-vertx", "dashboard", "dashboard");
  private static final Map<String, Function<Env, Object>> PARSER = Map.of(
      "origin-ingest", OriginConfig::from, "edge-vertx", EdgeConfig::from, "tracker-streams", TrackerConfig::from,
      "topology-streams", TopologyConfig::from, "peer-vertx", PeerHostConfig::from, "dashboard", DashboardConfig::from);
  /** ARCHITECTURE.md, "Processes, ports and metrics". */
  private static final Map<String, Integer> DEFAULT_PORT = Map.of("origin", 8081, "edge-1", 8082, "edge-2", 8083,
      "tracker-1", 7070, "tracker-2", 7071, "topology", 8090, "peer", 9000, "peer-us", 9000, "dashboard", 8070);

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Map<String, Object> compose = new Yaml(options).load(Files.readString(ROOT.resolve("docker-compose.yml")));
    services = (Map<String, Map<String, Object>>) compose.get("services");
  }

  @Test
  void hasEveryServiceOfTheArchitecture() {
    assertThat(services.keySet()).contains("kafka", "postgres", "redis", "registry", "origin", "ingest", "edge-1",
        "edge-2", "tracker-1", "tracker-2", "topology", "peer", "peer-us", "prometheus", "grafana", "dashboard");
    // The broker at the clients' version (kafka-clients in the root pom is 4.3.x).
    assertThat(image("kafka")).startsWith("apache/kafka:4.3.");
    assertThat(env("kafka").get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller"); // KRaft, no ZooKeeper
    assertThat(MODULE.keySet()).allSatisfy(s -> assertThat(build(s)).as("build args of %s", s)
        .containsEntry("MODULE", MODULE.get(s)));
  }

  @Test
  void everyVariableIsOneTheModuleReads() throws IOException {
    for (String service : MODULE.keySet()) {
      Set<String> read = variablesRead(MODULE.get(service));
      Set<String> set = new TreeSet<>(env(service).keySet());
      set.addAll(shellAssignments(service));
      set.remove("JAVA_TOOL_OPTIONS"); // the JVM's own (GC settings), not the module's
      assertThat(read).as("variables %s reads", MODULE.get(service)).containsAll(set);
    }
  }

  @Test
  void everyServiceHasTheVariablesOfTheArchitecture() {
    for (String service : MODULE.keySet()) {
      assertThat(env(service)).as(service).containsKeys("KAFKA_BOOTSTRAP_SERVERS", "TOPIC_PREFIX");
    }
    for (String service : List.of("origin", "ingest", "edge-1", "edge-2")) {
      assertThat(env(service)).as(service).containsKeys("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD");
    }
    for (String service : List.of("edge-1", "edge-2")) {
      assertThat(env(service)).as(service).containsKeys("EDGE_ID", "REGION", "ORIGIN_URL", "REDIS_URL", "HTTP_PORT");
    }
    for (String peer : List.of("peer", "peer-us")) {
      assertThat(env(peer)).containsKeys("EDGE_URLS", "TRACKER_URLS", "REGION", "HTTP_PORT");
      assertThat(env(peer).get("TRACKER_URLS").split(",")).as("%s fail over between both trackers", peer)
          .containsExactlyInAnyOrder("http://tracker-1:7070", "http://tracker-2:7071");
      assertThat(env(peer).get("EDGE_URLS").split(",")).as("%s know both edges", peer)
          .containsExactlyInAnyOrder("http://edge-1:8082", "http://edge-2:8083");
      assertThat(shellAssignments(peer)).contains("PEER_ID", "ADVERTISED_HOST"); // unique per replica
    }
    assertThat(env("edge-1").get("EDGE_ID")).isNotEqualTo(env("edge-2").get("EDGE_ID"));
    assertThat(Set.of(env("edge-1").get("REGION"), env("edge-2").get("REGION"))).as("edge regions")
        .containsExactlyInAnyOrder("eu-west", "us-east");
    assertThat(Set.of(env("peer").get("REGION"), env("peer-us").get("REGION"))).as("peer regions")
        .containsExactlyInAnyOrder("eu-west", "us-east");
  }

  @Test
  void kafkaHasAnInternalListenerForContainersAndAHostListenerFor127001() {
    Map<String, String> kafka = env("kafka");
    Map<String, String> advertised = listeners(kafka.get("KAFKA_ADVERTISED_LISTENERS"));
    Map<String, String> bound = listeners(kafka.get("KAFKA_LISTENERS"));
    assertThat(advertised.get("HOST")).as("what ./cdn replay on the host bootstraps through").isEqualTo("127.0.0.1:9092");
    assertThat(ports("kafka")).contains("127.0.0.1:9092:9092");
    assertThat(bound.get("HOST")).endsWith(":9092");
    String internal = advertised.get("INTERNAL");
    assertThat(internal).startsWith("kafka:");
    assertThat(bound.get("INTERNAL")).endsWith(internal.substring(internal.indexOf(':')));
    for (String service : MODULE.keySet()) {
      assertThat(env(service).get("KAFKA_BOOTSTRAP_SERVERS")).as(service).isEqualTo(internal);
    }
    Set<String> names = new TreeSet<>(bound.keySet());
    assertThat(listeners(kafka.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")).keySet()).containsAll(names);
    // the broker's own listener answers the health check
    assertThat(healthCheck("kafka")).contains(advertised.get(kafka.get("KAFKA_INTER_BROKER_LISTENER_NAME")));
  }

  /**
   * Issue 16: clients reach Kafka only with SASL/SCRAM-SHA-512 over TLS, each service as its role's
   * user, with the CA kafka-tls made; what is not authenticated listens on the broker's loopback
   * only; ACLs deny by default, and the peers' user may write only the peers' topics.
   */
  @Test
  void kafkaClientsUseScramOverTlsAndPeersWriteOnlyTheirTopics() throws IOException {
    Map<String, String> kafka = env("kafka");
    Map<String, String> protocols = listeners(kafka.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"));
    Map<String, String> bound = listeners(kafka.get("KAFKA_LISTENERS"));
    assertThat(protocols).containsEntry("INTERNAL", "SASL_SSL").containsEntry("HOST", "SASL_SSL");
    protocols.forEach((listener, protocol) -> {
      if (!protocol.startsWith("SASL_")) {
        assertThat(bound.get(listener)).as("unauthenticated listener %s", listener).startsWith("127.0.0.1:");
      }
    });
    assertThat(kafka.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).endsWith("@127.0.0.1:" + bound.get("CONTROLLER").split(":")[1]);
    assertThat(kafka.get("KAFKA_SASL_ENABLED_MECHANISMS")).isEqualTo("SCRAM-SHA-512");
    assertThat(kafka.get("KAFKA_AUTHORIZER_CLASS_NAME")).endsWith("StandardAuthorizer");
    assertThat(kafka.get("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND")).isEqualTo("false");
    for (String listener : List.of("INTERNAL", "HOST")) {
      assertThat(kafka).containsKey("KAFKA_LISTENER_NAME_" + listener + "_SCRAM__SHA__512_SASL_JAAS_CONFIG");
    }
    assertThat(volumes("kafka")).anyMatch(v -> v.endsWith(":" + Path.of(kafka.get("KAFKA_SSL_KEYSTORE_LOCATION")).getParent() + ":ro"));
    assertThat(dependsOn("kafka")).contains("kafka-tls");
    assertThat(services.get("kafka-users").get("network_mode")).isEqualTo("service:kafka");

    String script = Files.readString(ROOT.resolve("docker/kafka/users-and-acls.sh"));
    for (String service : MODULE.keySet()) {
      Map<String, String> e = env(service);
      assertThat(e).as(service).containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
          .containsEntry("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512").containsKeys("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD");
      String user = e.get("KAFKA_SASL_USERNAME");
      assertThat(env("kafka-users")).as("%s's user %s is created", service, user)
          .containsKey("KAFKA_PASSWORD_" + user.toUpperCase(java.util.Locale.ROOT));
      assertThat(script).contains(" " + user + " ");
      String truststore = e.get("KAFKA_SSL_TRUSTSTORE_LOCATION");
      assertThat(volumes(service.equals("peer-us") ? "peer" : service)).as("%s mounts its trust store", service)
          .anyMatch(v -> v.endsWith(":" + Path.of(truststore).getParent() + ":ro"));
      if (!Set.of("kafka-users").contains(service)) {
        assertThat(dependsOn(service.equals("peer-us") ? "peer" : service)).doesNotContain("kafka");
      }
    }
    // what each role may write, from the ACL script's `writes <user> <topic>...` lines
    Map<String, Set<String>> writes = new HashMap<>();
    Matcher m = Pattern.compile("(?m)^writes (\\w+) ([a-z -]+)$").matcher(script);
    while (m.find()) {
      writes.computeIfAbsent(m.group(1), k -> new TreeSet<>()).addAll(List.of(m.group(2).strip().split(" +")));
    }
    assertThat(writes.get("peer")).containsExactlyInAnyOrder("peer-events", "segment-events", "link-events",
        "delivery-events", "holder-reports", "dead-letters");
    assertThat(writes.get("edge")).containsExactlyInAnyOrder("edge-events", "dead-letters");
    assertThat(writes.get("origin")).contains("catalog");
    // no other grant to the peers' user: no ACL line names it, the shared loops grant Describe only
    assertThat(script).doesNotContainPattern("acl \"?peer");
  }

  @Test
  void everyServiceWritesThroughTheSchemaRegistry() {
    assertThat(image("registry")).isEqualTo("apicurio/apicurio-registry-mem:" + ApicurioRegistry.VERSION);
    assertThat(env("registry").get("REGISTRY_RULES_GLOBAL_COMPATIBILITY")).isEqualTo("BACKWARD");
    int registryPort = Integer.parseInt(env("registry").get("QUARKUS_HTTP_PORT"));
    assertThat(containerPorts("registry")).contains(registryPort);
    assertThat(healthCheck("registry")).contains("http://localhost:" + registryPort + "/health");
    for (String service : MODULE.keySet()) {
      URI url = URI.create(env(service).get("SCHEMA_REGISTRY_URL"));
      assertThat(url.getHost()).as(service).isEqualTo("registry");
      assertThat(url.getPort()).as(service).isEqualTo(registryPort);
      assertThat(url.getPath()).as(service).isEqualTo(ApicurioRegistry.CCOMPAT_PATH);
    }
    for (String first : List.of("origin", "tracker-1", "topology")) {
      assertThat(dependsOn(first)).as("%s starts after the registry", first).contains("registry");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesEveryService() throws IOException {
    assertThat(volumes("prometheus")).anySatisfy(v -> assertThat(v)
        .startsWith("./docker/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml"));
    Map<String, Object> config = new Yaml().load(Files.readString(ROOT.resolve("docker/prometheus/prometheus.yml")));
    Set<String> targets = new TreeSet<>();
    Set<String> dnsNames = new TreeSet<>();
    for (Map<String, Object> job : (List<Map<String, Object>>) config.get("scrape_configs")) {
      for (Map<String, Object> sc : (List<Map<String, Object>>) job.getOrDefault("static_configs", List.of())) {
        targets.addAll((List<String>) sc.get("targets"));
      }
      for (Map<String, Object> dns : (List<Map<String, Object>>) job.getOrDefault("dns_sd_configs", List.of())) {
        for (String name : (List<String>) dns.get("names")) {
          dnsNames.add(name + ":" + dns.get("port"));
        }
      }
    }
    for (String service : MODULE.keySet()) {
      if (service.equals("ingest")) {
        continue; // a one-shot job, no HTTP server
      }
      String target = service + ":" + env(service).get("HTTP_PORT");
      if (service.startsWith("peer")) {
        assertThat(dnsNames).as("every replica of %s, found by DNS", service).contains(target);
      } else {
        assertThat(targets).as("scrape target of %s", service).contains(target);
      }
    }
    assertThat(targets).contains("registry:" + env("registry").get("QUARKUS_HTTP_PORT"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaIsProvisionedWithPrometheusAndADashboardOfRealMetrics() throws IOException {
    Path provisioning = ROOT.resolve("docker/grafana/provisioning");
    Map<String, Object> ds = new Yaml().load(Files.readString(provisioning.resolve("datasources/prometheus.yml")));
    Map<String, Object> prometheus = ((List<Map<String, Object>>) ds.get("datasources")).get(0);
    assertThat(prometheus.get("url")).isEqualTo("http://prometheus:" + containerPorts("prometheus").iterator().next());
    assertThat(volumes("grafana")).contains("./docker/grafana/provisioning:/etc/grafana/provisioning:ro",
        "./docker/grafana/dashboards:/var/lib/grafana/dashboards:ro");
    Map<String, Object> providers = new Yaml().load(Files.readString(provisioning.resolve("dashboards/hybrid-cdn.yml")));
    assertThat(((Map<String, Object>) ((List<Map<String, Object>>) providers.get("providers")).get(0).get("options"))
        .get("path")).isEqualTo("/var/lib/grafana/dashboards");

    JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("docker/grafana/dashboards/hybrid-cdn.json").toFile());
    Set<String> meters = meterNames();
    Set<String> queried = new TreeSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        assertThat(target.get("datasource").get("uid").asText()).isEqualTo(prometheus.get("uid"));
        Matcher m = PROMETHEUS_NAME.matcher(target.get("expr").asText());
        while (m.find()) {
          queried.add(m.group());
        }
      }
    }
    assertThat(queried).as("metrics the dashboard queries").isNotEmpty();
    for (String name : queried) {
      // Micrometer's Prometheus names: dots become underscores, counters get _total, timers
      // _seconds_bucket/_count/_sum/_max.
      String meter = name.replaceFirst("_total$", "").replaceFirst("_seconds_(bucket|count|sum|max)$", "")
          .replace('_', '.');
      assertThat(meters).as("%s is exported by a service (a meter named %s)", name, meter).contains(meter);
    }
  }

  private static final Pattern PROMETHEUS_NAME = Pattern.compile("\\bcdn_[a-z_]+\\b");
  /** {@code Counter.builder("cdn.x")} and the like, and service-kit's {@code LatencyHistogram.register(registry, "cdn.x", ...)}. */
  private static final Pattern METER_NAME =
      Pattern.compile("(?:builder\\(|LatencyHistogram\\.register\\([^,]+, )\"(cdn\\.[a-z.]+)\"");

  /** Names of every Micrometer meter the modules register ({@code Counter.builder("cdn.x")} and the like). */
  private static Set<String> meterNames() throws IOException {
    Set<String> names = new TreeSet<>();
    List<Path> sourceRoots;
    try (Stream<Path> modules = Files.list(ROOT)) {
      sourceRoots = modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList();
    }
    for (Path root : sourceRoots) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = METER_NAME.matcher(Files.readString(f));
          while (m.find()) {
            names.add(m.group(1));
          }
        }
      }
    }
    return names;
  }

  /** {@code NAME://host:port,...} or {@code NAME:PROTOCOL,...} as name -> the rest. */
  private static Map<String, String> listeners(String value) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : value.split(",")) {
      String p = part.strip();
      int colon = p.indexOf(':');
      String rest = p.substring(colon + 1);
      out.put(p.substring(0, colon), rest.startsWith("//") ? rest.substring(2) : rest);
    }
    return out;
  }

  @Test
  void valuesPassEachModulesOwnConfigParser(@org.junit.jupiter.api.io.TempDir Path mounted) throws IOException {
    for (String service : MODULE.keySet()) {
      Map<String, String> env = new HashMap<>(env(service));
      // Files in the containers' volumes (the Kafka trust store): a stand-in here, so the parsers find them.
      for (Map.Entry<String, String> v : env.entrySet()) {
        if (v.getValue().startsWith("/etc/hybrid-cdn/")) {
          Path f = mounted.resolve(Path.of(v.getValue()).getFileName());
          if (!Files.exists(f)) {
            Files.writeString(f, "-----BEGIN CERTIFICATE-----\n");
          }
          v.setValue(f.toString());
        }
      }
      // What the peer's entrypoint sets from the container's hostname and address.
      if (service.equals("peer")) {
        env.put("PEER_ID", "peer-0a1b2c3d4e5f");
        env.put("ADVERTISED_HOST", "172.18.0.9");
      }
      assertThatCode(() -> PARSER.get(MODULE.get(service)).apply(new Env(env)))
          .as("%s config from its compose environment", service).doesNotThrowAnyException();
    }
  }

  @Test
  void portsMatchHttpPortHealthChecksAndArchitectureDefaults() {
    DEFAULT_PORT.forEach((service, port) -> {
      assertThat(env(service).get("HTTP_PORT")).as("%s HTTP_PORT", service).isEqualTo(port.toString());
      assertThat(containerPorts(service)).as("%s published ports", service).contains(port);
      assertThat(healthCheck(service)).as("%s health check", service).contains("http://localhost:" + port + "/health");
    });
    assertThat(containerPorts("kafka")).contains(9092);
    assertThat(healthCheck("postgres")).contains("pg_isready");
    assertThat(healthCheck("redis")).contains("ping");
    assertThat(services.keySet()).allSatisfy(s -> {
      if (!"no".equals(String.valueOf(services.get(s).get("restart")))) { // one-shot jobs (ingest, kafka-tls, kafka-users) exit
        assertThat(services.get(s)).as("%s has a health check", s).containsKey("healthcheck");
      }
    });
  }

  @Test
  void urlsPointAtServicesOnTheirPorts() {
    for (String service : MODULE.keySet()) {
      Map<String, String> env = env(service);
      assertThat(services).containsKey(env.get("KAFKA_BOOTSTRAP_SERVERS").split(":")[0]);
      if (env.containsKey("PGHOST")) {
        assertThat(services).containsKey(env.get("PGHOST"));
        assertThat(env.get("PGPORT")).isEqualTo("5432");
        assertThat(env.get("PGPASSWORD")).isEqualTo(env("postgres").get("POSTGRES_PASSWORD"));
        assertThat(env.get("PGDATABASE")).isEqualTo(env("postgres").get("POSTGRES_DB"));
      }
      for (String var : List.of("ORIGIN_URL", "TRACKER_URL", "TRACKER_URLS", "EDGE_URLS", "REDIS_URL")) {
        if (env.containsKey(var)) {
          for (String url : env.get(var).split(",")) {
            URI uri = URI.create(url.strip());
            assertThat(services).as("%s of %s", var, service).containsKey(uri.getHost());
            if (!var.equals("REDIS_URL")) {
              assertThat(env(uri.getHost()).get("HTTP_PORT")).as("%s of %s", var, service)
                  .isEqualTo(Integer.toString(uri.getPort()));
            } else {
              assertThat(uri.getPort()).isEqualTo(6379);
            }
          }
        }
      }
    }
  }

  /**
   * Variable names in the module's {@code *Config.java} sources, in service-kit's CommonConfig and
   * KafkaSecurity, and
   * in service-kit's PgSettings when the module's config reads PostgreSQL through it.
   */
  static Set<String> variablesRead(String module) throws IOException {
    Path moduleDir = ROOT.resolve(module).resolve("src/main/java");
    assertThat(moduleDir).as("sources of %s", module).isDirectory();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(moduleDir)) {
      sources = new java.util.ArrayList<>(files.filter(p -> p.getFileName().toString().endsWith("Config.java")).toList());
    }
    Path kit = ROOT.resolve("service-kit/src/main/java/dev/hybridcdn/servicekit/config");
    boolean readsPg = false;
    for (Path f : sources) {
      readsPg |= Files.readString(f).contains("PgSettings");
    }
    sources.add(kit.resolve("CommonConfig.java"));
    // Settings a config takes whole from service-kit (issue 16): their variables are read there.
    Path servicekit = kit.getParent();
    Map<String, Path> shared = new LinkedHashMap<>();
    shared.put("StreamsSettings", ROOT.resolve("streams-kit/src/main/java/dev/hybridcdn/streamskit/StreamsSettings.java"));
    shared.put("TrustSettings", servicekit.resolve("identity/TrustSettings.java"));
    shared.put("PlayerTokens", servicekit.resolve("token/PlayerTokens.java"));
    for (var settings : shared.entrySet()) {
      boolean used = false;
      for (Path f : List.copyOf(sources)) {
        used |= Files.readString(f).contains(settings.getKey());
      }
      if (used) {
        sources.add(settings.getValue());
      }
    }
    sources.add(kit.resolve("KafkaSecurity.java"));
    if (readsPg) {
      sources.add(kit.resolve("PgSettings.java"));
    }
    Set<String> names = new TreeSet<>();
    for (Path f : sources) {
      Matcher m = VAR_LITERAL.matcher(Files.readString(f));
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> env(String service) {
    Object e = services.get(service).get("environment");
    Map<String, String> out = new LinkedHashMap<>();
    if (e instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(k.toString(), v == null ? "" : unset(v.toString())));
    }
    return out;
  }

  /** A value as compose sees it with the variable unset: {@code ${NAME:-default}} is the default. */
  private static String unset(String value) {
    Matcher m = DEFAULTED.matcher(value);
    return m.matches() ? m.group(1) : value;
  }

  private static Set<String> shellAssignments(String service) {
    Set<String> out = new TreeSet<>();
    Object command = services.get(service).get("command");
    if (command != null) {
      Matcher m = SHELL_ASSIGN.matcher(command.toString());
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  private static String image(String service) {
    return String.valueOf(services.get(service).get("image"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> build(String service) {
    Map<String, Object> build = (Map<String, Object>) services.get(service).get("build");
    assertThat(build).as("%s build", service).isNotNull();
    assertThat(ROOT.resolve(build.get("dockerfile").toString())).isRegularFile();
    return (Map<String, Object>) build.get("args");
  }

  @SuppressWarnings("unchecked")
  private static List<String> ports(String service) {
    return ((List<Object>) services.get(service).getOrDefault("ports", List.of())).stream().map(String::valueOf).toList();
  }

  @SuppressWarnings("unchecked")
  private static List<String> volumes(String service) {
    return ((List<Object>) services.get(service).getOrDefault("volumes", List.of())).stream().map(String::valueOf).toList();
  }

  @SuppressWarnings("unchecked")
  private static Set<String> dependsOn(String service) {
    Object d = services.get(service).get("depends_on");
    return d instanceof Map<?, ?> m ? (Set<String>) m.keySet() : new TreeSet<>((List<String>) d);
  }

  /** Container side of every {@code ports} entry ({@code "9000-9049:9000"} gives 9000). */
  @SuppressWarnings("unchecked")
  private static Set<Integer> containerPorts(String service) {
    Set<Integer> out = new TreeSet<>();
    for (Object p : (List<Object>) services.get(service).getOrDefault("ports", List.of())) {
      String s = p.toString();
      out.add(Integer.parseInt(s.substring(s.lastIndexOf(':') + 1)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static String healthCheck(String service) {
    Map<String, Object> hc = (Map<String, Object>) services.get(service).get("healthcheck");
    return hc == null ? "" : String.valueOf(hc.get("test"));
  }
}
