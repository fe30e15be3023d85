package dev.hybridcdn.tracker.bench;

import dev.hybridcdn.kafka.EmbeddedKafka;
import dev.hybridcdn.kafka.LoopbackPorts;
import dev.hybridcdn.ops.bench.ExternalTools;
import dev.hybridcdn.ops.bench.Wrk;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.tracker.TrackerApp;
import dev.hybridcdn.tracker.TrackerConfig;
import dev.hybridcdn.tracker.index.TrackerStores;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The tracker benchmark (issue 5): a swarm of {@code peers} peers, each holding {@code perPeer} of
 * {@code segments} segments, is produced to a broker by a generator; then one tracker instance
 * consumes it and the time until every input record and every re-keyed holder change is committed
 * gives events processed per second; then a closed-loop HTTP load of random ranked lookups
 * ({@code connections} in flight, Vert.x client in the same JVM) gives lookups per second and
 * latency percentiles. Figures are printed to stdout.
 *
 * <p>Arguments ({@code key=value}, all optional): {@code peers=10000 segments=20000 perPeer=200
 * links=5 lookupSeconds=20 warmupSeconds=3 connections=32 commitMs=100 rounds=3 signed=true restore=false
 * client=wrk|vertx opentracker=true|false bootstrap=<host:port>}, and any {@code TRACKER_*} or
 * {@code STREAMS_*} setting of the tracker under test (no bootstrap: an embedded KRaft broker;
 * {@code client}: the lookups' load generator, {@code wrk} (default when installed: a C program outside
 * the measured JVM) or {@code vertx} (a Vert.x client in this JVM, closed loop; the default without
 * wrk)). {@code signed=true}: every peer is admitted and signs its events, the tracker verifies
 * them ({@code EVENT_AUTH=require}, issue 16). After the ingest it prints the heap the tracker's state
 * takes (used heap after a full GC, minus the same before the tracker started), then {@code rounds}
 * lookup rounds; {@code restore=true} then starts a second instance of the same application with an
 * empty state directory and times its restore from the changelogs. {@code opentracker=true} (the default
 * where opentracker and wrk are installed) runs a round of opentracker announces before each lookup round,
 * the load {@code cdn bench compare} gives it ({@link OpenTrackerRounds}, same wrk shape), and prints
 * the lookups' ratio to it. Targets (issue 19): >= 100,000 events/s; lookup p99 <= 5 ms in every round, at
 * least 2x opentracker's announces; 100k peers and 1M holdings within 4 GiB of heap, restore <= 60 s.
 *
 * <pre>./cdn bench TrackerBench [key=value ...]</pre>
 */
public final class TrackerBench {
  /** Holders a lookup asks for ({@code limit}), and peers an announce of the opentracker rounds ({@code numwant}). */
  private static final int LIMIT = 10;

  private TrackerBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        System.err.println("arguments are key=value, e.g. peers=10000; got " + arg);
        System.exit(2);
      }
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    int peers = Integer.parseInt(a.getOrDefault("peers", "10000"));
    int segments = Integer.parseInt(a.getOrDefault("segments", "20000"));
    int perPeer = Integer.parseInt(a.getOrDefault("perPeer", "200"));
    int links = Integer.parseInt(a.getOrDefault("links", "5"));
    int lookupSeconds = Integer.parseInt(a.getOrDefault("lookupSeconds", "20"));
    int warmupSeconds = Integer.parseInt(a.getOrDefault("warmupSeconds", "3"));
    int connections = Integer.parseInt(a.getOrDefault("connections", "32"));
    String commitMs = a.getOrDefault("commitMs", "100");

    EmbeddedKafka kafka = a.containsKey("bootstrap") ? null : EmbeddedKafka.start(null);
    String bootstrap = kafka == null ? a.get("bootstrap") : kafka.bootstrapServers();
    String prefix = "bench-" + Long.toString(System.currentTimeMillis(), 36) + ".";
    Path stateDir = Files.createTempDirectory("tracker-bench");
    int httpPort = LoopbackPorts.free(); // a fixed port lets the tracker run one HTTP server per core
    boolean signed = Boolean.parseBoolean(a.getOrDefault("signed", "true"));
    int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));
    boolean restore = Boolean.parseBoolean(a.getOrDefault("restore", "false"));
    // Issue 16's verification stays on: every event is signed by its peer's admitted identity and
    // the tracker runs with EVENT_AUTH=require, as in production.
    String secret = TrustSettings.newSecret();
    Map<String, String> env = new HashMap<>(Map.of("TRACKER_REQUIRE_CATALOG", "false",
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap, "TOPIC_PREFIX", prefix, "TRACKER_APPLICATION_ID", prefix + "tracker",
        "TRACKER_PEER_TTL_MS", "3600000", "TRACKER_STANDBY_REPLICAS", "0", "TRACKER_COMMIT_INTERVAL_MS", commitMs,
        // every peer announces all its holdings at once, as a joining BitTorrent client sends its bitfield
        "TRACKER_CLAIM_BURST", Integer.toString(Math.max(5000, perPeer + 10))));
    if (signed) {
      env.put("CLUSTER_SECRET", secret);
      env.put("EVENT_AUTH", "require");
    }
    a.forEach((k, v) -> {
      if (k.startsWith("TRACKER_") || k.startsWith("STREAMS_")) {
        env.put(k, v); // tracker settings under test, e.g. TRACKER_COMMIT_INTERVAL_MS=1000
      }
    });
    env.put("HTTP_PORT", Integer.toString(httpPort));
    env.put("TRACKER_STATE_DIR", stateDir.toString());
    TrackerConfig config = TrackerConfig.from(new Env(env));
    TopicRegistry topics = config.topics();
    System.out.printf("tracker bench: %d peers x %d of %d segments (+%d links each), events %s, broker %s%n", peers,
        perPeer, segments, links, signed ? "signed (EVENT_AUTH=require)" : "unsigned", bootstrap);
    try {
      dev.hybridcdn.schemas.topics.TopicAdmin.ensureTopics(bootstrap, topics, (short) 1, Duration.ofSeconds(30));
      String[] segmentIds = new String[segments];
      for (int i = 0; i < segments; i++) {
        segmentIds[i] = String.format("song-%03d/%dk/seg%05d.ts", i / 200, (i / 100) % 2 == 0 ? 128 : 64, i % 100);
      }
      long events = generate(bootstrap, topics, peers, segmentIds, perPeer, links, signed ? secret : null);
      long heapBefore = usedHeapAfterGc();

      long t0 = System.nanoTime();
      long cpu0 = cpuNanos();
      try (TrackerApp app = TrackerApp.start(config)) {
        long running = System.nanoTime();
        awaitCaughtUp(bootstrap, config, topics);
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpu = (cpuNanos() - cpu0) / 1e9;
        System.out.printf("processing: %d events in %.1f s (from start, incl. %.1f s to RUNNING) = %.0f events/s%n",
            events, secs, (running - t0) / 1e9, events / secs);
        System.out.printf("  CPU of this JVM (broker + tracker) meanwhile: %.1f s = %.0f events per CPU-second;"
            + " load average %.1f on %d cores%n", cpu, events / cpu, loadAverage(),
            Runtime.getRuntime().availableProcessors());
        heap(heapBefore, peers, (long) peers * perPeer);
        String client = a.getOrDefault("client", ExternalTools.find("wrk") != null ? "wrk"
            : "vertx");
        Path script = client.equals("wrk") ? wrkScript(peers, segmentIds) : null;
        try (OpenTrackerRounds openTracker = script != null && OpenTrackerRounds.wanted(a)
            ? OpenTrackerRounds.start(stateDir, connections, LIMIT) : null) {
          for (int r = 1; r <= rounds; r++) {
            System.out.printf("lookup round %d of %d (client %s):%n", r, rounds, client);
            int warmup = r == 1 ? warmupSeconds : 1;
            Wrk.Result announced = openTracker == null ? null : openTracker.round(warmup, lookupSeconds);
            long[] gc0 = gcCountAndMs();
            if (script != null) {
              Wrk.Result looked = wrk(app.port(), script, connections, warmup, lookupSeconds);
              if (announced != null) {
                OpenTrackerRounds.printRatio(looked, announced);
              }
            } else {
              lookups(app.port(), peers, segmentIds, connections, warmup, lookupSeconds, r);
            }
            long[] gc1 = gcCountAndMs();
            System.out.printf("  GC meanwhile (warm-up included): %d pauses, %d ms in all%n", gc1[0] - gc0[0],
                gc1[1] - gc0[1]);
          }
        }
      }
      if (restore) {
        restore(env, peers, segmentIds, connections, lookupSeconds);
      }
    } finally {
      if (kafka != null) {
        kafka.close();
      }
    }
    System.exit(0);
  }

  /**
   * Produces the swarm; with a {@code secret} (base64 CLUSTER_SECRET) every peer is admitted by an
   * {@link AdmissionAuthority} of that secret and signs each of its events as peer-vertx does.
   */
  private static long generate(String bootstrap, TopicRegistry topics, int peers, String[] segmentIds, int perPeer,
      int links, String secret) {
    Random random = new Random(42);
    String[] regions = {"eu-west", "eu-north", "us-east", "ap-south"};
    AdmissionAuthority issuer = secret == null ? null
        : new AdmissionAuthority(Base64.getDecoder().decode(secret), Duration.ofHours(2), Clock.systemUTC());
    NodeIdentity[] nodes = new NodeIdentity[peers];
    long n = 0;
    long t0 = System.nanoTime();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 20,
        ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024),
        new StringSerializer(), new ByteArraySerializer())) {
      String peerTopic = topics.name(CdnTopic.PEER_EVENTS);
      String segmentTopic = topics.name(CdnTopic.SEGMENT_EVENTS);
      String linkTopic = topics.name(CdnTopic.LINK_EVENTS);
      long now = System.currentTimeMillis();
      for (int p = 0; p < peers; p++) {
        String id = "bench-peer-" + p;
        String region = regions[p % regions.length];
        String baseUrl = "http://127.0.0.1:" + (9000 + p % 50000);
        if (issuer != null) {
          nodes[p] = NodeIdentity.generate();
          nodes[p].admit(issuer, id, AdmissionAuthority.PEER, baseUrl, region);
        }
        send(producer, topics, nodes[p], peerTopic, id, new PeerJoined(id, region, baseUrl, 4, 512L * 1024 * 1024,
            now));
        send(producer, topics, nodes[p], peerTopic, id, new PeerHeartbeat(id, now, perPeer, perPeer * 160_000L,
            random.nextInt(5), 0L, 0L, 5.0 + random.nextInt(200)));
        n += 2;
      }
      for (int p = 0; p < peers; p++) {
        String id = "bench-peer-" + p;
        for (int l = 0; l < links; l++) {
          String to = "bench-peer-" + random.nextInt(peers);
          send(producer, topics, nodes[p], linkTopic, id, new LinkMeasured(id, to, NodeKind.PEER, null,
              1.0 + random.nextInt(150), 5, now));
          n++;
        }
        java.util.Set<Integer> held = new java.util.LinkedHashSet<>();
        while (held.size() < Math.min(perPeer, segmentIds.length)) {
          held.add(random.nextInt(segmentIds.length));
        }
        for (int s : held) {
          send(producer, topics, nodes[p], segmentTopic, id, new SegmentCached(id, segmentIds[s], 160_000L, "ab",
              now));
          n++;
        }
      }
      producer.flush();
    }
    System.out.printf("generator: %d events produced in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    return n;
  }

  /** Waits until the app's committed offsets reach the end of its input and repartition topics. */
  private static void awaitCaughtUp(String bootstrap, TrackerConfig config, TopicRegistry topics) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      List<String> names = List.of(topics.name(CdnTopic.PEER_EVENTS), topics.name(CdnTopic.SEGMENT_EVENTS),
          topics.name(CdnTopic.LINK_EVENTS),
          config.applicationId() + "-" + TrackerStores.HOLDINGS_BY_SEGMENT + "-repartition");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
      long lastPrint = 0;
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (var d : admin.describeTopics(names).allTopicNames().get().values()) {
          d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
        }
        var ends = admin.listOffsets(latest).all().get();
        var committed = admin.listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata().get();
        long lag = 0;
        long done = 0;
        for (var e : ends.entrySet()) {
          var c = committed.get(e.getKey());
          long pos = c == null ? 0 : c.offset();
          // Under exactly-once the end offset includes a transaction marker per partition.
          lag += Math.max(0, e.getValue().offset() - pos - 1);
          done += pos;
        }
        if (lag == 0 && !committed.isEmpty()) {
          return;
        }
        if (System.nanoTime() - lastPrint > 5_000_000_000L) {
          System.out.printf("  ... committed %d records, lag %d%n", done, lag);
          lastPrint = System.nanoTime();
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("the tracker did not catch up within 30 minutes");
    }
  }

  private static void lookups(int port, int peers, String[] segmentIds, int connections, int warmupSeconds,
      int seconds, int seed) throws InterruptedException {
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(port).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
    Random random = new Random(7L * seed);
    String[] paths = new String[100_000];
    for (int i = 0; i < paths.length; i++) {
      paths[i] = "/segments/" + segmentIds[random.nextInt(segmentIds.length)] + "/peers?exclude=bench-peer-"
          + random.nextInt(peers) + "&limit=" + LIMIT;
    }
    // One array for every round (the bench JVM also holds the tracker): a 160 MB array allocated per
    // round was a humongous allocation that started G1 concurrent cycles during the lookups.
    long[] latencies = latencies(seconds);
    AtomicLong recorded = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong counter = new AtomicLong();
    long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
    long end = warmupEnd + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(connections);
    for (int c = 0; c < connections; c++) {
      vertx.runOnContext(v -> loop(client, paths, counter, latencies, recorded, errors, warmupEnd, end, done));
    }
    long cpuStart = 0;
    while (System.nanoTime() < warmupEnd) {
      Thread.sleep(10);
    }
    cpuStart = cpuNanos();
    done.await(seconds + warmupSeconds + 30L, TimeUnit.SECONDS);
    double cpu = (cpuNanos() - cpuStart) / 1e9;
    int n = (int) Math.min(recorded.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    System.out.printf("lookups: %d in %d s = %.0f lookups/s over %d connections, %d errors%n", n, seconds,
        n / (double) seconds, connections, errors.get());
    if (n > 0) {
      System.out.printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n", pct(sorted, 50),
          pct(sorted, 90), pct(sorted, 99), pct(sorted, 99.9), sorted[n - 1] / 1e6);
      System.out.printf("  CPU of this JVM (server + client + broker) meanwhile: %.1f s = %.0f lookups per CPU-second;"
          + " load average %.1f%n", cpu, n / cpu, loadAverage());
    }
    client.close();
    vertx.close();
  }

  private static long[] latencyBuffer;

  /** Room for the latencies of one round: up to 200,000 lookups/s (the largest rate seen is ~48k/s). */
  private static synchronized long[] latencies(int seconds) {
    int n = (int) Math.min(20_000_000L, 200_000L * Math.max(1, seconds));
    if (latencyBuffer == null || latencyBuffer.length < n) {
      latencyBuffer = new long[n];
    }
    return latencyBuffer;
  }

  /**
   * The lookups' wrk script: a random segment and requester per request, seeded (wrk's Lua
   * {@code math.random}), as the Vert.x client asks.
   */
  private static Path wrkScript(int peers, String[] segmentIds) throws Exception {
    Path script = Files.createTempFile("tracker-lookups", ".lua");
    script.toFile().deleteOnExit();
    StringBuilder lua = new StringBuilder("local segments = {\n");
    for (String s : segmentIds) {
      lua.append('"').append(s).append("\",\n");
    }
    lua.append("}\nmath.randomseed(7)\nrequest = function()\n")
        .append("  local s = segments[math.random(#segments)]\n")
        .append("  return wrk.format(\"GET\", \"/segments/\" .. s .. \"/peers?exclude=bench-peer-\" .. ")
        .append("math.random(0, ").append(peers - 1).append(") .. \"&limit=").append(LIMIT).append("\")\nend\n");
    Files.writeString(script, lua);
    return script;
  }

  /**
   * One round of lookups from {@code wrk} (one thread, {@code connections} connections: a C load
   * generator, so the JVM measured holds only the tracker and the broker, and the client's garbage is
   * not the tracker's young pauses): an unreported warm-up run, then the measured one.
   */
  private static Wrk.Result wrk(int port, Path script, int connections, int warmupSeconds, int seconds)
      throws Exception {
    String url = "http://127.0.0.1:" + port;
    Wrk.run(url, 1, connections, warmupSeconds, null, script);
    long cpu0 = cpuNanos();
    Wrk.Result r = Wrk.run(url, 1, connections, seconds, null, script);
    double cpu = (cpuNanos() - cpu0) / 1e9;
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s50%\\s+(\\S+)\\s+75%\\s+(\\S+)\\s+90%\\s+(\\S+)")
        .matcher(r.raw().replace('\n', ' '));
    System.out.printf("lookups: %.0f lookups/s over %d connections (wrk -t1), %d timeouts%n", r.requestsPerSecond(),
        connections, r.timeouts());
    System.out.printf("latency ms: %sp99 %.2f%n", m.find() ? "p50 " + m.group(1) + "  p90 " + m.group(3) + "  " : "",
        r.p99Ms());
    System.out.printf("  CPU of this JVM (server + broker) meanwhile: %.1f s = %.0f lookups per CPU-second;"
        + " load average %.1f%n", cpu, r.requestsPerSecond() * seconds / cpu, loadAverage());
    return r;
  }

  /** Young and old collections so far: count, and their accumulated time in ms. */
  private static long[] gcCountAndMs() {
    long n = 0;
    long ms = 0;
    for (var b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, b.getCollectionCount());
      ms += Math.max(0, b.getCollectionTime());
    }
    return new long[] {n, ms};
  }

  private static void send(KafkaProducer<String, byte[]> producer, TopicRegistry topics, NodeIdentity node,
      String topic, String key, SpecificRecord event) {
    byte[] value = topics.codec().encode(topic, event);
    List<Header> headers = node == null ? List.of() : node.sign(topic, event, value);
    producer.send(new ProducerRecord<>(topic, null, key, value, headers));
  }

  /**
   * Heap the tracker's state takes: used heap after a full GC now minus {@code before} (the broker and
   * the generator's leftovers, measured the same way before the tracker started). Bytes per peer and
   * per holding are that difference divided by each count: run once with {@code perPeer=0} to split
   * the two (README "Capacity").
   */
  private static void heap(long before, int peers, long holdings) {
    long after = usedHeapAfterGc();
    long delta = after - before;
    System.out.printf("heap after full GC: %.0f MiB before the tracker, %.0f MiB caught up: the tracker holds %.0f MiB"
        + " = %.0f bytes per peer, %.0f bytes per holding (of %d peers, %d holdings; max heap %.0f MiB)%n",
        before / 1048576.0, after / 1048576.0, delta / 1048576.0, delta / (double) peers,
        holdings == 0 ? 0.0 : delta / (double) holdings, peers, holdings,
        Runtime.getRuntime().maxMemory() / 1048576.0);
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /**
   * A second instance of the same application with an empty state directory (the first one closed)
   * restores every store from its changelog: the time from start until it is RUNNING with no record left
   * to restore in any task (task metric {@code restore-remaining-records-total}, KIP-869), then a
   * lookup round on the restored instance.
   */
  private static void restore(Map<String, String> env, int peers, String[] segmentIds, int connections,
      int lookupSeconds) throws Exception {
    Map<String, String> second = new HashMap<>(env);
    second.put("TRACKER_STATE_DIR", Files.createTempDirectory("tracker-bench-restore").toString());
    second.put("HTTP_PORT", Integer.toString(LoopbackPorts.free()));
    long t0 = System.nanoTime();
    try (TrackerApp app = TrackerApp.start(TrackerConfig.from(new Env(second)))) {
      double running = (System.nanoTime() - t0) / 1e9;
      // Streams reports RUNNING once the state updater has restored every task; TrackerApp.start
      // returns then. The task metric is printed as a check; in our runs it did not fall to 0 under
      // exactly-once (it seems to count the changelogs' transaction markers, which are not restored).
      double remaining = 0;
      for (var m : app.streams().metrics().entrySet()) {
        if (m.getKey().name().equals("restore-remaining-records-total")) {
          remaining += ((Number) m.getValue().metricValue()).doubleValue();
        }
      }
      long changelog = changelogRecords(second.get("KAFKA_BOOTSTRAP_SERVERS"), second.get("TRACKER_APPLICATION_ID"));
      System.out.printf("restore from the changelogs: %d changelog offsets restored in %.1f s (start to RUNNING) ="
          + " %.0f offsets/s; %.0f offsets still counted as left; state %s; load average %.1f%n",
          changelog, running, changelog / running, remaining, app.streams().state(), loadAverage());
      lookups(app.port(), peers, segmentIds, connections, 3, lookupSeconds, 99);
    }
  }

  /** Sum of the end offsets of the application's changelog topics (records plus transaction markers). */
  private static long changelogRecords(String bootstrap, String applicationId) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      List<String> names = admin.listTopics().names().get().stream()
          .filter(t -> t.startsWith(applicationId + "-") && t.endsWith("-changelog")).toList();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (var d : admin.describeTopics(names).allTopicNames().get().values()) {
        d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
      }
      return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
    }
  }

  /** CPU time of this whole JVM, ns (all threads: broker, tracker and load client). */
  private static long cpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static double pct(long[] sorted, double p) {
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1e6;
  }

  private static void loop(HttpClient client, String[] paths, AtomicLong counter, long[] latencies,
      AtomicLong recorded, AtomicLong errors, long warmupEnd, long end, CountDownLatch done) {
    long start = System.nanoTime();
    if (start >= end) {
      done.countDown();
      return;
    }
    String path = paths[(int) (counter.getAndIncrement() % paths.length)];
    // The body is read and dropped, not gathered into a Buffer: the client shares the JVM (and its
    // young generation) with the tracker it measures.
    Future<Integer> f = client.request(HttpMethod.GET, path).compose(req -> req.send().compose(resp -> {
      resp.handler(chunk -> { });
      return resp.end().map(v -> resp.statusCode());
    }));
    f.onComplete(ar -> {
      long t = System.nanoTime();
      if (ar.failed() || ar.result() >= 500) {
        errors.incrementAndGet();
      } else if (start >= warmupEnd) {
        long i = recorded.getAndIncrement();
        if (i < latencies.length) {
          latencies[(int) i] = t - start;
        }
      }
      loop(client, paths, counter, latencies, recorded, errors, warmupEnd, end, done);
    });
  }
}
