package dev.hybridcdn.topology.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.internal.GraphChangeLink;
import dev.hybridcdn.schemas.internal.GraphChangeNode;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.streamskit.errors.BadRecordPolicy;
import dev.hybridcdn.topology.TopologyConfig;
import dev.hybridcdn.topology.TopologyNames;
import dev.hybridcdn.topology.graph.PathMetric;
import dev.hybridcdn.topology.graph.PeerGraph;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production topology under TopologyTestDriver: events in, graph store and graph out. */
class GraphTopologyTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(10);

  @TempDir
  Path stateDir;

  private TopologyConfig config;
  private TopicRegistry topics;
  private PeerGraph graph;
  private SimpleMeterRegistry meters;
  private TopologyTestDriver driver;
  private TestInputTopic<String, SpecificRecord> links;
  private TestInputTopic<String, SpecificRecord> peers;
  private TestInputTopic<String, SpecificRecord> expirations;
  private TestOutputTopic<String, byte[]> deadLetters;
  private final List<ProducerRecord<byte[], byte[]>> globalDeadLetters = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    start("exactly_once_v2");
  }

  private void start(String processingGuarantee) {
    config = TopologyConfig.from(new Env(Map.of("TOPOLOGY_APPLICATION_ID", "ttd-topology",
        "TOPOLOGY_LINK_TTL_MS", Long.toString(TTL.toMillis()), "TOPOLOGY_STATE_DIR", stateDir.toString(),
        "STREAMS_PROCESSING_GUARANTEE", processingGuarantee)));
    topics = config.topics();
    graph = new PeerGraph();
    meters = new SimpleMeterRegistry();
    driver = new TopologyTestDriver(GraphTopology.buildTopology(config, graph, meters, globalDeadLetters::add),
        GraphTopology.streamsConfig(config), T0);
    links = input(CdnTopic.LINK_EVENTS);
    peers = input(CdnTopic.PEER_EVENTS);
    expirations = input(CdnTopic.PEER_EXPIRATIONS);
    deadLetters = driver.createOutputTopic(topics.name(CdnTopic.DEAD_LETTERS), new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private TestInputTopic<String, SpecificRecord> input(CdnTopic topic) {
    return driver.createInputTopic(topics.name(topic), new StringSerializer(), topics.valueSerde().serializer());
  }

  private static LinkMeasured link(String from, String to, double rttMs) {
    return LinkMeasured.newBuilder().setFromId(from).setToId(to).setToKind(NodeKind.PEER).setToRegion(null)
        .setRttMs(rttMs).setSamples(5).setTs(T0.toEpochMilli()).build();
  }

  private void measure(String from, String to, double rttMs, Instant at) {
    links.pipeInput(from, link(from, to, rttMs), at);
  }

  private KeyValueStore<String, byte[]> graphStore() {
    return driver.getKeyValueStore(TopologyNames.GRAPH_STORE);
  }

  private List<String> storeKeys() {
    List<String> keys = new ArrayList<>();
    try (var it = graphStore().all()) {
      it.forEachRemaining(kv -> keys.add(kv.key));
    }
    return keys;
  }

  @Test
  void linkMeasurementsBecomeTheGraphInTheGlobalStore() {
    measure("a", "b", 10, T0);
    measure("b", "c", 20, T0);
    links.pipeInput("a", LinkMeasured.newBuilder(link("a", "e1", 4)).setToKind(NodeKind.EDGE)
        .setToRegion("eu-west").build(), T0);
    peers.pipeInput("a", PeerJoined.newBuilder().setPeerId("a").setRegion("eu-north").setBaseUrl("http://127.0.0.1:9000")
        .setUploadSlots(4).setCacheCapacityBytes(1 << 20).setTs(T0.toEpochMilli()).build(), T0);
    peers.pipeInput("a", PeerHeartbeat.newBuilder().setPeerId("a").setTs(T0.toEpochMilli()).setCachedSegments(0)
        .setCachedBytes(0).setActiveUploads(0).setUploadedBytes(0).setDownloadedBytes(0).build(), T0);

    assertThat(storeKeys()).containsExactlyInAnyOrder("link/a/b", "link/b/c", "link/a/e1", "node/a");
    var path = graph.path("a", "c", PathMetric.RTT).orElseThrow();
    assertThat(path.path()).containsExactly("a", "b", "c");
    assertThat(path.rttMs()).isEqualTo(30.0);
    assertThat(graph.node("a").orElseThrow().region()).isEqualTo("eu-north");
    assertThat(graph.node("e1").orElseThrow().kind()).isEqualTo(NodeKind.EDGE);
    assertThat(graph.node("e1").orElseThrow().region()).isEqualTo("eu-west");
    assertThat(deadLetters.isEmpty()).as("a heartbeat is not an error").isTrue();
  }

  @Test
  void aPeerThatLeavesDisappearsWithEveryLinkToOrFromIt() {
    measure("a", "hub", 1, T0);
    measure("hub", "z", 1, T0);
    measure("x", "hub", 1, T0); // measured *to* the hub by another peer (another partition in production)
    measure("a", "r", 30, T0);
    measure("r", "z", 30, T0);
    assertThat(graph.path("a", "z", PathMetric.RTT).orElseThrow().path()).containsExactly("a", "hub", "z");

    peers.pipeInput("hub", PeerLeft.newBuilder().setPeerId("hub").setTs(T0.toEpochMilli()).setReason("shutdown").build(), T0);

    assertThat(graph.node("hub")).isEmpty();
    assertThat(storeKeys()).noneMatch(k -> k.contains("hub")).containsExactlyInAnyOrder("link/a/r", "link/r/z");
    for (PathMetric metric : PathMetric.values()) {
      assertThat(graph.path("a", "z", metric).orElseThrow().path()).containsExactly("a", "r", "z");
    }
    assertThat(graph.node("x")).as("x was only known through its link to the hub").isEmpty();
  }

  @Test
  void anExpiredPeerIsRemovedFromEveryPath() {
    peers.pipeInput("m", PeerJoined.newBuilder().setPeerId("m").setRegion("eu-west").setBaseUrl("http://127.0.0.1:9001")
        .setUploadSlots(4).setCacheCapacityBytes(1 << 20).setTs(T0.toEpochMilli()).build(), T0);
    for (String p : List.of("a", "b", "c", "d")) {
      measure(p, "m", 1, T0);
    }
    measure("a", "b", 50, T0);
    measure("c", "d", 50, T0);
    assertThat(graph.path("a", "d", PathMetric.HOPS).orElseThrow().path()).containsExactly("a", "m", "d");

    expirations.pipeInput("m", PeerExpired.newBuilder().setPeerId("m").setLastSeen(T0.toEpochMilli())
        .setTs(T0.toEpochMilli()).build(), T0);

    assertThat(graph.node("m")).isEmpty();
    assertThat(graph.path("a", "b", PathMetric.RTT).orElseThrow().path()).containsExactly("a", "b");
    assertThat(graph.path("a", "d", PathMetric.HOPS)).as("only the expired peer joined the two pairs").isEmpty();
    assertThat(storeKeys()).containsExactlyInAnyOrder("link/a/b", "link/c/d");
  }

  @Test
  void linksNotRefreshedWithinTheTtlDropOut() {
    measure("a", "b", 10, T0);
    measure("b", "c", 10, T0);
    driver.advanceWallClockTime(Duration.ofSeconds(6));
    measure("b", "c", 12, T0.plusSeconds(6)); // refreshed: stays
    driver.advanceWallClockTime(Duration.ofSeconds(6)); // a->b is now 12 s old, b->c 6 s

    assertThat(storeKeys()).containsExactly("link/b/c");
    assertThat(graph.node("a")).isEmpty();
    assertThat(graph.path("b", "c", PathMetric.RTT).orElseThrow().rttMs()).isEqualTo(12.0);

    driver.advanceWallClockTime(Duration.ofSeconds(6));
    assertThat(storeKeys()).isEmpty();
    assertThat(graph.nodeCount()).isZero();
    assertThat(meters.counter("cdn.topology.links.expired").count()).isEqualTo(2.0);
  }

  @Test
  void invalidEventsAreDeadLetteredWithTheirSourceAndNeverStored() {
    List<LinkMeasured> bad = List.of(
        link("a", "a", 5), // self-loop
        link("a", "b", -1),
        link("a", "b", Double.NaN),
        link("a", "b", Double.POSITIVE_INFINITY),
        link("a", "b", 60_001), // absurd
        link("bad id!", "b", 5),
        link("a", "", 5),
        LinkMeasured.newBuilder(link("a", "b", 5)).setSamples(0).build(),
        LinkMeasured.newBuilder(link("a", "b", 5)).setToRegion("Not A Region").build());
    for (LinkMeasured event : bad) {
      links.pipeInput(event.getFromId(), event, T0);
    }
    peers.pipeInput("p", PeerJoined.newBuilder().setPeerId("p").setRegion("EU WEST!").setBaseUrl("http://x")
        .setUploadSlots(1).setCacheCapacityBytes(1).setTs(0).build(), T0);
    expirations.pipeInput("q", PeerExpired.newBuilder().setPeerId("../q").setLastSeen(0).setTs(0).build(), T0);

    List<TestRecord<String, byte[]>> letters = deadLetters.readRecordsToList();
    assertThat(letters).hasSize(bad.size() + 2);
    for (int i = 0; i < bad.size(); i++) {
      TestRecord<String, byte[]> letter = letters.get(i);
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(topics.name(CdnTopic.LINK_EVENTS));
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo(Integer.toString(i));
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.SOURCE_PARTITION)).isNotNull();
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.APPLICATION)).isEqualTo("ttd-topology");
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.ERROR)).isNotBlank();
      assertThat(letter.key()).isEqualTo(bad.get(i).getFromId());
      assertThat(letter.value()).as("the event as sent")
          .isEqualTo(topics.codec().encode(topics.name(CdnTopic.LINK_EVENTS), bad.get(i)));
    }
    assertThat(DeadLetters.header(letters.get(0).headers(), DeadLetters.ERROR)).contains("self-loop");
    assertThat(DeadLetters.header(letters.get(4).headers(), DeadLetters.ERROR)).contains("60000");
    assertThat(DeadLetters.header(letters.get(bad.size()).headers(), DeadLetters.SOURCE_TOPIC))
        .isEqualTo(topics.name(CdnTopic.PEER_EVENTS));
    assertThat(storeKeys()).isEmpty();
    assertThat(graph.nodeCount()).isZero();
    assertThat(meters.counter("cdn.topology.events.rejected").count()).isEqualTo(bad.size() + 2.0);
  }

  @Test
  void aPoisonRecordIsDeadLetteredAndTheNextRecordStillCounts() {
    // TopologyTestDriver does not show a deserialization handler's dead letters under exactly-once
    // (TopologyAppIT checks them on a real broker with the default exactly_once_v2).
    driver.close();
    start("at_least_once");
    TestInputTopic<String, byte[]> raw = driver.createInputTopic(topics.name(CdnTopic.LINK_EVENTS),
        new StringSerializer(), new ByteArraySerializer());
    byte[] poison = {(byte) 0xC3, 0x01, 1, 2, 3};
    raw.pipeInput("a", poison, T0);
    measure("a", "b", 7, T0);

    TestRecord<String, byte[]> letter = deadLetters.readRecord();
    assertThat(letter.value()).isEqualTo(poison);
    assertThat(DeadLetters.header(letter.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(topics.name(CdnTopic.LINK_EVENTS));
    assertThat(DeadLetters.header(letter.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("0");
    assertThat(deadLetters.isEmpty()).isTrue();
    assertThat(graph.path("a", "b", PathMetric.HOPS)).isPresent();
  }

  @Test
  void aRestartedInstanceRebuildsItsGraphFromTheGlobalStore() {
    measure("a", "b", 10, T0);
    measure("b", "c", 10, T0);
    PeerGraph fresh = new PeerGraph();
    new GraphStoreUpdater(fresh, BadRecordPolicy.DEAD_LETTER, topics.name(CdnTopic.DEAD_LETTERS), "ttd-topology",
        letter -> { })
        .init(new org.apache.kafka.streams.processor.api.MockProcessorContext<Void, Void>() {
      {
        addStateStore(graphStore());
      }
    });
    assertThat(fresh.path("a", "c", PathMetric.HOPS).orElseThrow().path()).containsExactly("a", "b", "c");
  }

  @Test
  void graphChangesAreAvroRecordsOfTheInternalSchemas() {
    measure("a", "b", 10, T0);
    peers.pipeInput("a", PeerJoined.newBuilder().setPeerId("a").setRegion("eu-north").setBaseUrl("http://127.0.0.1:9000")
        .setUploadSlots(4).setCacheCapacityBytes(1 << 20).setTs(T0.toEpochMilli()).build(), T0);

    String changes = config.graphChangesTopic();
    assertThat(GraphChangeRecord.LINK_VALUES.deserializer().deserialize(changes, graphStore().get("link/a/b")))
        .isEqualTo(new GraphChangeLink("a", "b", NodeKind.PEER, null, 10.0, 5, T0.toEpochMilli()));
    assertThat(GraphChangeRecord.NODE_VALUES.deserializer().deserialize(changes, graphStore().get("node/a")))
        .isEqualTo(new GraphChangeNode("a", NodeKind.PEER, "eu-north", T0.toEpochMilli()));
  }

  @Test
  void aMalformedGraphChangeIsDeadLetteredNeverThrownNorStoredAndTheNextOneApplies() {
    measure("a", "b", 10, T0);
    TestInputTopic<String, byte[]> changes = driver.createInputTopic(config.graphChangesTopic(),
        new StringSerializer(), new ByteArraySerializer());
    String topic = config.graphChangesTopic();
    GraphChangeLink valid = new GraphChangeLink("c", "d", NodeKind.PEER, null, 3.0, 1, 0L);
    List<byte[]> badValues = List.of(
        new byte[] {(byte) 0xC3, 0x01, 1, 2, 3}, // undecodable
        "{\"kind\":\"PEER\"}".getBytes(StandardCharsets.UTF_8), // the old JSON format
        linkValue(topic, valid), // a link value under a node key
        linkValue(topic, valid), // key and value name different links
        topics.codec().encode(topic, link("c", "d", 3)), // an event, not a graph change
        linkValue(topic, GraphChangeLink.newBuilder(valid).setRttMs(-4).build()),
        linkValue(topic, valid)); // not a graph-change key
    List<String> badKeys = List.of("link/c/d", "node/c", "node/c", "link/c/e", "link/c/d", "link/c/d", "edge/c");
    for (int i = 0; i < badKeys.size(); i++) {
      changes.pipeInput(badKeys.get(i), badValues.get(i), T0);
    }
    changes.pipeInput("link/c/d", linkValue(topic, valid), T0);

    assertThat(globalDeadLetters).hasSize(badKeys.size());
    for (int i = 0; i < badKeys.size(); i++) {
      ProducerRecord<byte[], byte[]> letter = globalDeadLetters.get(i);
      assertThat(letter.topic()).isEqualTo(topics.name(CdnTopic.DEAD_LETTERS));
      assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo(badKeys.get(i));
      assertThat(letter.value()).as("the value as received").isEqualTo(badValues.get(i));
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(topic);
      // Offset 0 is the change a -> b written by the topology itself.
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo(Integer.toString(i + 1));
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.APPLICATION)).isEqualTo("ttd-topology");
      assertThat(DeadLetters.header(letter.headers(), DeadLetters.ERROR)).isNotBlank();
    }
    assertThat(DeadLetters.header(globalDeadLetters.get(3).headers(), DeadLetters.ERROR)).contains("does not match");
    assertThat(storeKeys()).containsExactlyInAnyOrder("link/a/b", "link/c/d");
    assertThat(graph.path("c", "d", PathMetric.RTT).orElseThrow().rttMs()).isEqualTo(3.0);
    assertThat(graph.path("a", "b", PathMetric.RTT).orElseThrow().rttMs()).isEqualTo(10.0);
    assertThat(deadLetters.isEmpty()).as("the event side saw nothing wrong").isTrue();
  }

  private static byte[] linkValue(String topic, GraphChangeLink link) {
    return GraphChangeRecord.LINK_VALUES.serializer().serialize(topic, link);
  }

  @Test
  void theGlobalUpdaterFollowsTheBadRecordPolicy() {
    byte[] poison = {(byte) 0xC3, 0x01, 9, 9};
    for (BadRecordPolicy policy : List.of(BadRecordPolicy.CONTINUE, BadRecordPolicy.FAIL)) {
      List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
      PeerGraph fresh = new PeerGraph();
      var context = new org.apache.kafka.streams.processor.api.MockProcessorContext<Void, Void>();
      context.addStateStore(graphStore());
      context.setRecordMetadata(config.graphChangesTopic(), 0, 7);
      GraphStoreUpdater updater = new GraphStoreUpdater(fresh, policy, topics.name(CdnTopic.DEAD_LETTERS),
          "ttd-topology", letters::add);
      updater.init(context);
      var record = new org.apache.kafka.streams.processor.api.Record<>("link/c/d", poison, 0L);
      if (policy == BadRecordPolicy.CONTINUE) {
        updater.process(record);
      } else {
        assertThatThrownBy(() -> updater.process(record)).as("fail stops the instance")
            .isInstanceOf(RuntimeException.class);
      }
      assertThat(letters).as(policy.setting()).isEmpty();
      assertThat(graphStore().get("link/c/d")).isNull();
      assertThat(fresh.node("c")).isEmpty();
    }
  }
}
