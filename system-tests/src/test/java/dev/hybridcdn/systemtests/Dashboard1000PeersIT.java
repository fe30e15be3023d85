package dev.hybridcdn.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.dashboard.DashboardApp;
import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import dev.hybridcdn.topology.TopologyApp;
import dev.hybridcdn.topology.TopologyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Issue 17's goals for the dashboard, measured in headless Chromium: a 1000-peer swarm drawn, and the
 * page updating at least once a second without stalling while the swarm changes (frame times from
 * {@code requestAnimationFrame} deltas). 1000 peer processes do not fit on a 2-core machine, so the swarm
 * is 1000 peers' worth of real events (PeerJoined, LinkMeasured to 4 edges and 3 other peers, PeerLeft)
 * written to a real broker and turned into the graph by the real topology-streams app, which the
 * dashboard relays; during the measurement 400 link updates and 4 joins/leaves a second keep arriving.
 */
class Dashboard1000PeersIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final int PEERS = 1000;
  static final List<String> REGIONS = List.of("eu-west", "us-east", "ap-south", "sa-east");
  static TopologyApp topology;
  static DashboardApp dashboard;
  static TopicRegistry topics;
  static KafkaProducer<String, SpecificRecord> producer;
  static final Random RANDOM = new Random(17);

  @BeforeAll
  static void start(@TempDir Path tmp) {
    String prefix = KAFKA.uniquePrefix("dashboard-1000");
    Map<String, String> common = Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(), "TOPIC_PREFIX", prefix);
    Map<String, String> topologyEnv = new HashMap<>(common);
    topologyEnv.putAll(Map.of("HTTP_PORT", "0", "TOPOLOGY_APPLICATION_ID", prefix + "topology",
        "TOPOLOGY_STATE_DIR", tmp.resolve("topology").toString(), "TOPOLOGY_HTTP_INSTANCES", "1",
        "STREAMS_PROCESSING_GUARANTEE", "at_least_once"));
    topology = TopologyApp.start(TopologyConfig.from(new Env(topologyEnv)));
    Map<String, String> dashboardEnv = new HashMap<>(common);
    dashboardEnv.putAll(Map.of("HTTP_PORT", "0", "TOPOLOGY_URL", "http://127.0.0.1:" + topology.port()));
    dashboard = DashboardApp.start(DashboardConfig.from(new Env(dashboardEnv)));
    topics = new TopicRegistry(prefix);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    producer = new KafkaProducer<>(p, new StringSerializer(), topics.valueSerde().serializer());
  }

  @AfterAll
  static void stop() {
    Shutdown.closeAll(null, producer, dashboard, topology);
  }

  static void send(CdnTopic topic, String key, SpecificRecord event) {
    producer.send(new ProducerRecord<>(topics.name(topic), key, event));
  }

  static String peer(int i) {
    return "s" + i;
  }

  static String region(int i) {
    return REGIONS.get(i % REGIONS.size());
  }

  static void join(int i) {
    send(CdnTopic.PEER_EVENTS, peer(i), PeerJoined.newBuilder().setPeerId(peer(i)).setRegion(region(i))
        .setBaseUrl("http://127.0.0.1:" + (20000 + i)).setUploadSlots(4).setCacheCapacityBytes(1 << 26)
        .setTs(System.currentTimeMillis()).build());
  }

  static void leave(int i) {
    send(CdnTopic.PEER_EVENTS, peer(i), PeerLeft.newBuilder().setPeerId(peer(i)).setTs(System.currentTimeMillis())
        .setReason("clean shutdown").build());
  }

  static void link(int from, String to, NodeKind kind, String toRegion) {
    send(CdnTopic.LINK_EVENTS, peer(from), LinkMeasured.newBuilder().setFromId(peer(from)).setToId(to).setToKind(kind)
        .setToRegion(toRegion).setRttMs(1 + RANDOM.nextInt(150_000) / 1000.0).setSamples(3)
        .setTs(System.currentTimeMillis()).build());
  }

  static void links(int i) {
    link(i, "edge-" + region(i), NodeKind.EDGE, region(i));
    for (int k = 0; k < 3; k++) {
      int other = RANDOM.nextInt(PEERS);
      if (other != i) {
        link(i, peer(other), NodeKind.PEER, null);
      }
    }
  }

  @SuppressWarnings("unchecked")
  @Test
  void aThousandPeerSwarmIsDrawnAndKeepsUpdatingAtLeastOnceASecondWithoutStalling() throws Exception {
    BrowserPlayer.requireChromium();
    for (int i = 0; i < PEERS; i++) {
      join(i);
    }
    for (int i = 0; i < PEERS; i++) {
      links(i);
    }
    producer.flush();
    await().atMost(Duration.ofSeconds(60)).until(() -> topology.graph().nodeCount() >= PEERS + REGIONS.size());
    System.out.printf("1000 peers: topology has %d nodes, %d links%n", topology.graph().nodeCount(),
        topology.graph().linkCount());

    ChromeDriver browser = BrowserPlayer.chromium();
    try {
      long opened = System.nanoTime();
      browser.get(dashboard.url() + "/");
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
          browser.executeScript("return window.dash.graphReadyMs;") != null);
      double wall = (System.nanoTime() - opened) / 1e6;
      Object fcp = browser.executeScript("return window.dash.firstContentfulPaint();");
      Object graphReady = browser.executeScript("return window.dash.graphReadyMs;");
      long drawn = ((Number) browser.executeScript("return window.dash.peerIds().length;")).longValue();
      long linksDrawn = ((Number) browser.executeScript("return window.dash.linkCount();")).longValue();
      System.out.printf("1000 peers: first contentful paint %s ms, WebSocket open %s ms, snapshot received %s ms, "
          + "applied %s ms, graph drawn %s ms after navigation start (%.0f ms wall incl. WebDriver); %d peers, %d links "
          + "drawn; load average %.1f%n", fcp, browser.executeScript("return window.dash.wsOpenMs;"),
          browser.executeScript("return window.dash.snapshotReceivedMs;"),
          browser.executeScript("return window.dash.snapshotMs;"), graphReady, wall, drawn, linksDrawn,
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      assertThat(drawn).as("every peer of the swarm drawn").isEqualTo(PEERS);
      assertThat(((Number) fcp).doubleValue()).as("first paint within 2 s on loopback").isLessThan(2000);

      // 20 s of a changing swarm: 400 link updates and 4 joins/leaves a second
      double from = ((Number) browser.executeScript("return window.dash.now();")).doubleValue();
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      int round = 0;
      while (System.nanoTime() < end) {
        long roundStart = System.nanoTime();
        for (int k = 0; k < 40; k++) {
          int i = RANDOM.nextInt(PEERS);
          link(i, "edge-" + region(i), NodeKind.EDGE, region(i));
        }
        if (round % 5 == 0) {
          int i = RANDOM.nextInt(PEERS);
          leave(i);
          join(i);
          links(i);
        }
        producer.flush();
        round++;
        long rest = Duration.ofMillis(100).toNanos() - (System.nanoTime() - roundStart);
        if (rest > 0) {
          Thread.sleep(rest / 1_000_000); // pacing the load generator, not a wait for a result
        }
      }
      Map<String, Object> stats = (Map<String, Object>) browser.executeScript(
          "return window.dash.frameStats(arguments[0]);", from);
      System.out.printf("1000 peers, 20 s of changes: %s; load average %.1f%n", stats,
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      double spanS = ((Number) stats.get("spanMs")).doubleValue() / 1000;
      assertThat(((Number) stats.get("batches")).doubleValue()).as("graph updates applied at least once a second")
          .isGreaterThanOrEqualTo(spanS - 1);
      // headroom for a shared 2-core machine: the goal is about 1 s; a gap of 3 s would be a stall
      assertThat(((Number) stats.get("maxBatchGapMs")).doubleValue()).as("longest time without an update")
          .isLessThan(3000);
      assertThat(((Number) stats.get("p50")).doubleValue()).as("median frame time").isLessThan(100);
      Files.createDirectories(DashboardIT.SHOTS);
      Files.write(DashboardIT.SHOTS.resolve("dashboard-1000-peers.png"), browser.getScreenshotAs(OutputType.BYTES));
    } finally {
      browser.quit();
    }
  }
}
