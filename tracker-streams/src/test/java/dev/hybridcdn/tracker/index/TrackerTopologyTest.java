package dev.hybridcdn.tracker.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentEvicted;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.tracker.TrackerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import dev.hybridcdn.schemas.deadletter.DeadLetters;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production topology driven by TopologyTestDriver (wall-clock time is the driver's mock clock). */
class TrackerTopologyTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final Duration TTL = Duration.ofMillis(6000);
  private static final String SEG = "demo/128k/seg00001.ts";

  private TrackerConfig config;
  private TopologyTestDriver driver;
  private TopicRegistry topics;
  private TestInputTopic<String, SpecificRecord> peerEvents;
  private TestInputTopic<String, SpecificRecord> segmentEvents;
  private TestInputTopic<String, SpecificRecord> linkEvents;
  private TestInputTopic<byte[], byte[]> rawPeerEvents;
  private TestOutputTopic<String, SpecificRecord> expirations;
  private final AtomicInteger expiredCount = new AtomicInteger();
  private final PeerDirectory peerDirectory = new PeerDirectory();
  private final AtomicInteger skippedCount = new AtomicInteger();
  private Path stateDir;

  @BeforeEach
  void start() throws Exception {
    stateDir = Files.createTempDirectory("tracker-ttd");
    // at_least_once: TopologyTestDriver does not hand out the dead letters a handler returns under
    // exactly-once; TrackerAppIT checks them under exactly-once on a broker.
    config = TrackerConfig.from(new Env(Map.of("STREAMS_PROCESSING_GUARANTEE", "at_least_once",
        "TRACKER_REQUIRE_CATALOG", "false",
        "TRACKER_APPLICATION_ID", "ttd-tracker",
        "TRACKER_PEER_TTL_MS", Long.toString(TTL.toMillis()), "TRACKER_PUNCTUATE_INTERVAL_MS", "500",
        "TRACKER_STATE_DIR", stateDir.toString(), "TRACKER_RTT_BUCKET_MS", "5", "TRACKER_LOAD_BUCKET", "0.25")));
    Properties props = TrackerTopology.streamsConfig(config, 7070);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    TrackerTopology.Listener listener = new TrackerTopology.Listener() {
      @Override
      public void expired(String peerId) {
        expiredCount.incrementAndGet();
      }

      @Override
      public void skipped() {
        skippedCount.incrementAndGet();
      }
    };
    driver = new TopologyTestDriver(TrackerTopology.buildTopology(config, listener, peerDirectory), props,
        Instant.ofEpochMilli(T0));
    topics = config.topics();
    Serde<SpecificRecord> serde = topics.valueSerde();
    peerEvents = driver.createInputTopic(topics.name(CdnTopic.PEER_EVENTS), new StringSerializer(), serde.serializer());
    segmentEvents = driver.createInputTopic(topics.name(CdnTopic.SEGMENT_EVENTS), new StringSerializer(),
        serde.serializer());
    linkEvents = driver.createInputTopic(topics.name(CdnTopic.LINK_EVENTS), new StringSerializer(), serde.serializer());
    rawPeerEvents = driver.createInputTopic(topics.name(CdnTopic.PEER_EVENTS), new ByteArraySerializer(),
        new ByteArraySerializer());
    expirations = driver.createOutputTopic(topics.name(CdnTopic.PEER_EXPIRATIONS), new StringDeserializer(),
        serde.deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private long now() {
    return T0 + elapsed;
  }

  private long elapsed;

  private void advance(Duration d) {
    elapsed += d.toMillis();
    driver.advanceWallClockTime(d);
  }

  private void join(String peer, String region, int slots) {
    peerEvents.pipeInput(peer, new PeerJoined(peer, region, "http://127.0.0.1:9" + Math.abs(peer.hashCode() % 1000),
        slots, 1_000_000L, now()), now());
  }

  private void heartbeat(String peer, int activeUploads, Double meanRtt, long uploadedBytes) {
    peerEvents.pipeInput(peer, new PeerHeartbeat(peer, now(), 1, 1000L, activeUploads, uploadedBytes, 0L, meanRtt),
        now());
  }

  private void cache(String peer, String segment) {
    segmentEvents.pipeInput(peer, new SegmentCached(peer, segment, 1000L, "ab", now()), now());
  }

  private void evict(String peer, String segment) {
    segmentEvents.pipeInput(peer, new SegmentEvicted(peer, segment, 1000L, "ab", now()), now());
  }

  private void link(String from, String to, double rtt) {
    linkEvents.pipeInput(from, new LinkMeasured(from, to, NodeKind.PEER, null, rtt, 3, now()), now());
  }

  private KeyValueStore<String, Long> index() {
    return driver.getKeyValueStore(TrackerStores.SEGMENT_HOLDERS);
  }

  private KeyValueStore<String, PeerState> directory() {
    return driver.getKeyValueStore(TrackerStores.PEER_DIRECTORY);
  }

  private KeyValueStore<String, PeerState> peers() {
    return driver.getKeyValueStore(TrackerStores.PEERS);
  }

  private KeyValueStore<String, Integer> counts() {
    return driver.getKeyValueStore(TrackerStores.SEGMENT_HOLDER_COUNTS);
  }

  private long turn;

  private List<String> lookup(String segment, String requester, String region) {
    HolderRanking ranking = new HolderRanking(config.rttBucketMs(), config.loadBucket());
    return ranking.rank(LocalQueries.holders(index(), segment), peerDirectory::get, requester, region,
        requester == null ? Set.of() : Set.of(requester), 10, turn++).stream().map(HolderRanking.Ranked::peerId)
        .toList();
  }

  @Test
  void announcedPeerIsLiveInStoreAndDirectory() {
    join("p1", "eu-west", 4);
    assertThat(peers().get("p1").announced()).isTrue();
    PeerState d = directory().get("p1");
    assertThat(d).isNotNull();
    assertThat(d.region()).isEqualTo("eu-west");
    assertThat(d.uploadSlots()).isEqualTo(4);
    assertThat(d.baseUrl()).startsWith("http://127.0.0.1:9");
    assertThat(peerDirectory.get("p1")).isEqualTo(d); // the decoded view follows the store
  }

  @Test
  void cachedSegmentIsIndexedBySegmentId() {
    join("p1", "eu-west", 4);
    join("p2", "eu-west", 4);
    cache("p1", SEG);
    cache("p2", SEG);
    cache("p2", "demo/128k/seg00002.ts");
    assertThat(lookup(SEG, null, null)).containsExactlyInAnyOrder("p1", "p2");
    assertThat(lookup("demo/128k/seg00002.ts", null, null)).containsExactly("p2");
    assertThat(counts().get(SEG)).isEqualTo(2);
    assertThat(peers().get("p2").heldSegments()).isEqualTo(2);
    // The requester never gets itself back.
    assertThat(lookup(SEG, "p1", null)).containsExactly("p2");
  }

  @Test
  void aSongsPerSegmentHolderCountsAreReadByItsPrefixOnly() {
    join("p1", "eu-west", 4);
    join("p2", "eu-west", 4);
    cache("p1", SEG);
    cache("p2", SEG);
    cache("p2", "demo/128k/seg00002.ts");
    cache("p1", "demo2/128k/seg00001.ts");
    assertThat(LocalQueries.holderCounts(counts(), "demo/"))
        .containsExactly(Map.entry(SEG, 2), Map.entry("demo/128k/seg00002.ts", 1));
    assertThat(LocalQueries.holderCounts(counts())).hasSize(3);
  }

  @Test
  void evictedSegmentLeavesTheIndex() {
    join("p1", "eu-west", 4);
    cache("p1", SEG);
    evict("p1", SEG);
    assertThat(lookup(SEG, null, null)).isEmpty();
    assertThat(counts().get(SEG)).isNull();
    assertThat(peers().get("p1").heldSegments()).isZero();
  }

  @Test
  void silentPeerIsExpiredByWallClockWithoutAnyInput() {
    join("p1", "eu-west", 4);
    join("p2", "eu-west", 4);
    cache("p1", SEG);
    cache("p2", SEG);
    advance(Duration.ofMillis(2000));
    heartbeat("p2", 0, null, 0); // p2 stays alive (every H = 2 s), p1 goes silent
    advance(Duration.ofMillis(2000));
    heartbeat("p2", 0, null, 0);
    advance(Duration.ofMillis(1500));
    assertThat(expirations.isEmpty()).isTrue(); // 5.5 s < TTL
    advance(Duration.ofMillis(1000)); // 6.5 s since p1's last sign of life
    var expired = expirations.readKeyValuesToList();
    assertThat(expired).hasSize(1);
    assertThat(expired.get(0).key).isEqualTo("p1");
    PeerExpired e = (PeerExpired) expired.get(0).value;
    assertThat(e.getPeerId()).isEqualTo("p1");
    assertThat(e.getLastSeen()).isEqualTo(T0);
    assertThat(expiredCount.get()).isEqualTo(1);
    assertThat(lookup(SEG, null, null)).containsExactly("p2");
    assertThat(counts().get(SEG)).isEqualTo(1);
    assertThat(peers().get("p1")).isNull();
    assertThat(directory().get("p1")).isNull();
    assertThat(peerDirectory.get("p1")).isNull();
    assertThat(peerDirectory.size()).isEqualTo(1);
  }

  @Test
  void leavingPeerIsRemovedAtOnceWithoutExpiry() {
    join("p1", "eu-west", 4);
    cache("p1", SEG);
    peerEvents.pipeInput("p1", new PeerLeft("p1", now(), "shutdown"), now());
    assertThat(lookup(SEG, null, null)).isEmpty();
    assertThat(index().get(TrackerStores.composite(SEG, "p1"))).isNull();
    assertThat(directory().get("p1")).isNull();
    advance(TTL.multipliedBy(2));
    assertThat(expirations.isEmpty()).isTrue();
  }

  @Test
  void expiredPeerIsRebuiltFromItsNewAnnouncements() {
    join("p1", "eu-west", 4);
    cache("p1", SEG);
    join("p9", "eu-west", 4);
    for (int i = 0; i < 7; i++) { // the rest of the swarm keeps talking (NoMassExpiryTest: when it does not)
      advance(Duration.ofSeconds(1));
      heartbeat("p9", 0, null, 0);
    }
    assertThat(expirations.readKeyValuesToList()).hasSize(1);
    assertThat(lookup(SEG, null, null)).isEmpty();
    heartbeat("p1", 0, null, 0); // a heartbeat alone does not revive it: no region, no base URL
    assertThat(directory().get("p1")).isNull();
    join("p1", "us-east", 2);
    cache("p1", SEG);
    assertThat(lookup(SEG, null, null)).containsExactly("p1");
    assertThat(directory().get("p1").region()).isEqualTo("us-east");
    assertThat(peers().get("p1").heldSegments()).isEqualTo(1);
  }

  @Test
  void segmentEventBeforeAnnounceIsKeptAndPendingPeersAreNotRanked() {
    cache("p1", SEG);
    assertThat(lookup(SEG, null, null)).isEmpty();
    join("p1", "eu-west", 4);
    assertThat(lookup(SEG, null, null)).containsExactly("p1");
  }

  @Test
  void holdersRankBySameRegionThenRttThenLoad() {
    join("me", "eu-west", 4);
    for (String p : List.of("far", "slow", "fast", "busy", "idle", "unknown")) {
      join(p, p.equals("far") ? "us-east" : "eu-west", 4);
      cache(p, SEG);
    }
    link("me", "far", 1.0); // closest, but another region
    link("me", "slow", 80.0);
    link("me", "fast", 3.0);
    link("busy", "me", 30.0); // measured by the holder only: used too
    link("me", "idle", 31.0);
    heartbeat("busy", 4, null, 0); // load 1.0
    heartbeat("idle", 0, null, 0); // load 0
    heartbeat("unknown", 0, null, 0); // no RTT at all
    assertThat(lookup(SEG, "me", null)).containsExactly("fast", "idle", "busy", "slow", "unknown", "far");
    // An explicit region wins over the requester's.
    assertThat(lookup(SEG, "me", "us-east").get(0)).isEqualTo("far");
  }

  @Test
  void meanRttRanksWhenNoLinkIsKnown() {
    join("a", "eu-west", 4);
    join("b", "eu-west", 4);
    cache("a", SEG);
    cache("b", SEG);
    heartbeat("a", 0, 40.0, 0);
    heartbeat("b", 0, 12.0, 0);
    assertThat(lookup(SEG, "stranger", "eu-west")).containsExactly("b", "a");
  }

  @Test
  void equallyRankedHoldersRotateRoundRobin() {
    for (String p : List.of("a", "b", "c")) {
      join(p, "eu-west", 4);
      cache(p, SEG);
    }
    List<String> first = List.of(lookup(SEG, null, "eu-west").get(0), lookup(SEG, null, "eu-west").get(0),
        lookup(SEG, null, "eu-west").get(0));
    assertThat(first).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(lookup(SEG, null, "eu-west")).hasSize(3).containsExactlyInAnyOrder("a", "b", "c");
  }

  @Test
  void heartbeatsAndServedBytesAreCountedInTumblingWindows() {
    join("p1", "eu-west", 4);
    heartbeat("p1", 1, null, 1000);
    advance(Duration.ofMillis(2000));
    heartbeat("p1", 1, null, 5000);
    var windows = PeerProcessor.windows(driver.getWindowStore(TrackerStores.PEER_LOAD_WINDOWS), "p1", 0, now());
    assertThat(windows).hasSize(1);
    assertThat(windows.get(0).value).isEqualTo(new LoadWindow(2, 5000));
  }

  @Test
  void poisonRecordIsSkippedAndProcessingGoesOn() {
    rawPeerEvents.pipeInput("p1".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8));
    // Decodable but invalid ids are skipped, logged with topic/partition/offset.
    peerEvents.pipeInput("bad id", new PeerJoined("bad id!", "eu-west", "http://x", 1, 1L, now()), now());
    segmentEvents.pipeInput("p1", new SegmentCached("p1", "../../etc/passwd", 1L, "ab", now()), now());
    join("p1", "eu-west", 4);
    cache("p1", SEG);
    assertThat(lookup(SEG, null, null)).containsExactly("p1");
    assertThat(skippedCount.get()).isEqualTo(2);
  }

  @Test
  void malformedValueOnTheRepartitionTopicIsDeadLetteredAndTheIndexGoesOn() {
    String repartition = config.applicationId() + "-" + TrackerStores.HOLDINGS_BY_SEGMENT + "-repartition";
    TestInputTopic<String, byte[]> raw = driver.createInputTopic(repartition, new StringSerializer(),
        new ByteArraySerializer());
    TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic(topics.name(CdnTopic.DEAD_LETTERS),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    raw.pipeInput(SEG, "+p9:100".getBytes(StandardCharsets.UTF_8)); // the old string form: no HolderChange
    join("p1", "eu-west", 4);
    cache("p1", SEG);
    assertThat(lookup(SEG, null, null)).containsExactly("p1");
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("+p9:100");
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(repartition);
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.ERROR)).contains("HolderChange");
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void undecodableEventIsDeadLetteredWithItsSource() {
    TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic(topics.name(CdnTopic.DEAD_LETTERS),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    rawPeerEvents.pipeInput("p1".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8));
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo(topics.name(CdnTopic.PEER_EVENTS));
    assertThat(DeadLetters.header(dead.headers(), DeadLetters.APPLICATION)).isEqualTo(config.applicationId());
  }
}
