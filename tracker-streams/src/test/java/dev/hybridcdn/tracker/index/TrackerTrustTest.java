package dev.hybridcdn.tracker.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.HolderFault;
import dev.hybridcdn.schemas.events.HolderReported;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentInfo;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.events.SongRetired;
import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.EventAuth;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.tracker.TrackerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 1 at the tracker: every forgery of a peer's events is dead-lettered and changes
 * nothing; the admitted peer's own signed events are taken. The production topology under
 * {@code CLUSTER_SECRET} + {@code EVENT_AUTH=require}, driven by TopologyTestDriver.
 */
class TrackerTrustTest {
  private static final String SEG = "demo/128k/seg00001.ts";
  private static final String P1_URL = "http://127.0.0.1:9001";
  private static final String ORIGIN_URL = "http://127.0.0.1:8081";

  private final String secret = TrustSettings.newSecret();
  private final AdmissionAuthority issuer = new AdmissionAuthority(Base64.getDecoder().decode(secret),
      Duration.ofHours(1), Clock.systemUTC());
  private TrackerConfig config;
  private TopologyTestDriver driver;
  private TopicRegistry topics;
  private TestInputTopic<byte[], byte[]> peerEvents;
  private TestInputTopic<byte[], byte[]> segmentEvents;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private TestInputTopic<String, SpecificRecord> catalog;
  private final PeerDirectory directory = new PeerDirectory();
  private Path stateDir;
  private NodeIdentity p1;
  private NodeIdentity p2;

  @BeforeEach
  void start() throws Exception {
    stateDir = Files.createTempDirectory("tracker-trust");
    config = TrackerConfig.from(new Env(Map.of("STREAMS_PROCESSING_GUARANTEE", "at_least_once",
        "TRACKER_APPLICATION_ID", "trust-tracker", "TRACKER_STATE_DIR", stateDir.toString(),
        "CLUSTER_SECRET", secret, "TRACKER_CLAIM_BURST", "20", "TRACKER_CLAIMS_PER_SEC", "0.1")));
    assertThat(config.streams().trust().mode()).isEqualTo(TrustSettings.Mode.REQUIRE);
    Properties props = TrackerTopology.streamsConfig(config, 7070);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(TrackerTopology.buildTopology(config, TrackerTopology.Listener.NONE, directory),
        props);
    topics = config.topics();
    peerEvents = driver.createInputTopic(topics.name(CdnTopic.PEER_EVENTS), new ByteArraySerializer(),
        new ByteArraySerializer());
    segmentEvents = driver.createInputTopic(topics.name(CdnTopic.SEGMENT_EVENTS), new ByteArraySerializer(),
        new ByteArraySerializer());
    catalog = driver.createInputTopic(topics.name(CdnTopic.CATALOG), new org.apache.kafka.common.serialization.StringSerializer(),
        topics.valueSerde().serializer());
    publish("demo", 1, 30);
    deadLetters = driver.createOutputTopic(topics.name(CdnTopic.DEAD_LETTERS), new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    p1 = NodeIdentity.generate();
    p1.admit(issuer, "p1", AdmissionAuthority.PEER, P1_URL, "eu-west");
    p2 = NodeIdentity.generate();
    p2.admit(issuer, "p2", AdmissionAuthority.PEER, "http://127.0.0.1:9002", "eu-west");
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  /** A record as the peer's publisher writes it: encoded value, cdn.auth.* headers from {@code signer}. */
  private TestRecord<byte[], byte[]> signed(CdnTopic topic, String key, SpecificRecord event, NodeIdentity signer) {
    String name = topics.name(topic);
    byte[] value = topics.codec().encode(name, event);
    List<Header> headers = signer == null ? List.of() : signer.sign(name, event, value);
    return new TestRecord<>(key.getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(headers.toArray(Header[]::new)));
  }

  /** SongPublished of {@code song} version {@code version} with segments 0..n-1 of rendition 128k. */
  private void publish(String song, long version, int n) {
    List<SegmentInfo> segments = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      segments.add(new SegmentInfo(segment(song, i), i, 10_000L, 160_000L, "ab"));
    }
    catalog.pipeInput(song, SongPublished.newBuilder().setSongId(song).setTitle(song).setDurationMs(10_000L * n)
        .setRenditions(List.of(new RenditionInfo("128k", 128, "mp4a.40.2", segments))).setTs(System.currentTimeMillis())
        .setVersion(version).build());
  }

  private static String segment(String song, int i) {
    return song + "/128k/seg" + String.format("%05d", i) + ".ts";
  }

  private void claim(String peer, String segment, NodeIdentity signer) {
    segmentEvents.pipeInput(signed(CdnTopic.SEGMENT_EVENTS, peer,
        new SegmentCached(peer, segment, 1000L, "ab", System.currentTimeMillis()), signer));
  }

  private static PeerJoined joined(String peer, String url) {
    return new PeerJoined(peer, "eu-west", url, 4, 1_000_000L, System.currentTimeMillis());
  }

  private static PeerLeft left(String peer) {
    return new PeerLeft(peer, System.currentTimeMillis(), "shutdown");
  }

  private void admitP1() {
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p1", joined("p1", P1_URL), p1));
    assertThat(directory.get("p1")).isNotNull();
    // Lookups hand the token on, so requesters fetch only from the URL it binds (AdmittedHolders).
    assertThat(directory.get("p1").admissionToken()).isEqualTo(p1.token().compact());
    // GET /peers/{id} too: a peer resolving a relay of a topology path by id checks it (issue 15).
    assertThat(LocalQueries.peer(driver.getKeyValueStore(TrackerStores.PEERS),
        driver.getWindowStore(TrackerStores.PEER_LOAD_WINDOWS), "p1", 10_000, 1, System.currentTimeMillis())
        .getString("token")).isEqualTo(p1.token().compact());
  }

  private String deadLetterError() {
    assertThat(deadLetters.isEmpty()).as("a dead letter").isFalse();
    return DeadLetters.header(deadLetters.readRecord().headers(), DeadLetters.ERROR);
  }

  private List<String> holders(String segment) {
    return new ArrayList<>(LocalQueries.holders(driver.getKeyValueStore(TrackerStores.SEGMENT_HOLDERS), segment));
  }

  @Test
  void signedEventsOfAnAdmittedPeerAreTaken() {
    admitP1();
    segmentEvents.pipeInput(signed(CdnTopic.SEGMENT_EVENTS, "p1",
        new SegmentCached("p1", SEG, 1000L, "ab", System.currentTimeMillis()), p1));
    assertThat(holders(SEG)).containsExactly("p1");
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void signatureHeadersStayAtTheSourceNotOnRepartitionOrDirectoryRecords() {
    TestOutputTopic<byte[], byte[]> directoryTopic = driver.createOutputTopic(
        AppTopic.TRACKER_PEER_DIRECTORY.name(config.applicationId()),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    TestOutputTopic<byte[], byte[]> repartition = driver.createOutputTopic(
        config.applicationId() + "-" + TrackerStores.HOLDINGS_BY_SEGMENT + "-repartition",
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    admitP1();
    claim("p1", SEG, p1);
    assertThat(holders(SEG)).containsExactly("p1");
    List<TestRecord<byte[], byte[]>> written = new ArrayList<>(directoryTopic.readRecordsToList());
    assertThat(written).as("p1's directory entry").isNotEmpty();
    List<TestRecord<byte[], byte[]>> changes = repartition.readRecordsToList();
    assertThat(changes).as("p1's holding, re-keyed by segment").hasSize(1);
    written.addAll(changes);
    for (TestRecord<byte[], byte[]> r : written) {
      assertThat(r.headers().toArray()).as("headers of a record the tracker wrote").noneMatch(
          h -> h.key().equals(EventAuth.TOKEN) || h.key().equals(EventAuth.MAC) || h.key().equals(EventAuth.SEQUENCE));
    }
  }

  @Test
  void claimOfASegmentNotInTheCatalogIsNotIndexed() {
    admitP1();
    claim("p1", "other/128k/seg00001.ts", p1);   // a song the catalog never named
    claim("p1", segment("demo", 99), p1);        // a segment the song does not have
    claim("p1", SEG, p1);
    assertThat(holders("other/128k/seg00001.ts")).isEmpty();
    assertThat(holders(segment("demo", 99))).isEmpty();
    assertThat(holders(SEG)).containsExactly("p1");
  }

  @Test
  void retiredSegmentIsNoLongerTaken() {
    admitP1();
    catalog.pipeInput("demo@v1", SongRetired.newBuilder().setSongId("demo").setTs(System.currentTimeMillis())
        .setVersion(1).setSegmentIds(List.of(SEG)).build());
    claim("p1", SEG, p1);
    assertThat(holders(SEG)).isEmpty();
  }

  @Test
  void claimsOverThePeersRateAreNotIndexed() {
    admitP1();
    for (int i = 0; i < 30; i++) {
      claim("p1", segment("demo", i), p1);
    }
    // Burst 20, 0.1 claims/s: the first 20 are taken, the rest refused.
    int indexed = 0;
    for (int i = 0; i < 30; i++) {
      indexed += holders(segment("demo", i)).size();
    }
    assertThat(indexed).isEqualTo(20);
  }

  @Test
  void nanOrNegativeMeanRttDoesNotRankAHolderFirst() {
    admitP1();
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p2", joined("p2", "http://127.0.0.1:9002"), p2));
    NodeIdentity p3 = NodeIdentity.generate();
    p3.admit(issuer, "p3", AdmissionAuthority.PEER, "http://127.0.0.1:9003", "eu-west");
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p3", joined("p3", "http://127.0.0.1:9003"), p3));
    claim("p1", SEG, p1);
    claim("p2", SEG, p2);
    claim("p3", SEG, p3);
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p1", heartbeat("p1", 20.0), p1));
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p2", heartbeat("p2", Double.NaN), p2));
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p3", heartbeat("p3", -5.0), p3));
    assertThat(directory.get("p2").meanRttMs()).isNull();
    assertThat(directory.get("p3").meanRttMs()).isNull();
    List<HolderRanking.Ranked> ranked = new HolderRanking(config.rttBucketMs(), config.loadBucket()).rank(
        holders(SEG), directory::get, null, "eu-west", Set.of(), 10, 0);
    assertThat(ranked.get(0).peerId()).isEqualTo("p1"); // the liars rank as unknown, after a measured 20 ms
  }

  @Test
  void holderReportedByThreeDistinctPeersRanksLast() {
    admitP1();
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p2", joined("p2", "http://127.0.0.1:9002"), p2));
    claim("p1", SEG, p1);
    claim("p2", SEG, p2);
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p1", heartbeat("p1", 1.0), p1));
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p2", heartbeat("p2", 40.0), p2));
    assertThat(rankedIds()).containsExactly("p1", "p2");
    TestInputTopic<byte[], byte[]> reports = driver.createInputTopic(topics.name(CdnTopic.HOLDER_REPORTS),
        new ByteArraySerializer(), new ByteArraySerializer());
    NodeIdentity r1 = admitted("r1");
    // One peer reporting again and again is one reporter.
    for (int i = 0; i < 3; i++) {
      reports.pipeInput(signed(CdnTopic.HOLDER_REPORTS, "p1", report("r1", "p1"), r1));
    }
    assertThat(directory.get("p1").demotedUntilMs()).isZero();
    reports.pipeInput(signed(CdnTopic.HOLDER_REPORTS, "p1", report("r2", "p1"), admitted("r2")));
    reports.pipeInput(signed(CdnTopic.HOLDER_REPORTS, "p1", report("r3", "p1"), admitted("r3")));
    assertThat(directory.get("p1").demotedUntilMs()).isGreaterThan(System.currentTimeMillis());
    assertThat(rankedIds()).containsExactly("p2", "p1");
    // A report signed by someone else than its reporter is a forgery like any other.
    reports.pipeInput(signed(CdnTopic.HOLDER_REPORTS, "p2", report("r4", "p2"), r1));
    assertThat(deadLetterError()).contains("signed with the token of r1");
  }

  private NodeIdentity admitted(String id) {
    NodeIdentity n = NodeIdentity.generate();
    n.admit(issuer, id, AdmissionAuthority.PEER, "http://127.0.0.1:1" + Math.abs(id.hashCode() % 1000), "eu-west");
    return n;
  }

  private static HolderReported report(String reporter, String holder) {
    return new HolderReported(reporter, holder, SEG, HolderFault.BAD_BYTES, System.currentTimeMillis());
  }

  private List<String> rankedIds() {
    return new HolderRanking(config.rttBucketMs(), config.loadBucket()).rank(holders(SEG), directory::get, null,
        "eu-west", Set.of(), 10, 0).stream().map(HolderRanking.Ranked::peerId).toList();
  }

  private static PeerHeartbeat heartbeat(String peer, Double meanRtt) {
    return new PeerHeartbeat(peer, System.currentTimeMillis(), 0, 0L, 0, 0L, 0L, meanRtt);
  }

  @Test
  void unsignedEventIsDeadLettered() {
    admitP1();
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p1", left("p1"), null));
    assertThat(deadLetterError()).contains("unsigned");
    assertThat(directory.get("p1")).isNotNull();
  }

  @Test
  void forgedLeaveSignedByAnotherPeerIsDeadLettered() {
    admitP1();
    // p2 is admitted, but its token is not p1's.
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p1", left("p1"), p2));
    assertThat(deadLetterError()).contains("signed with the token of p2");
    assertThat(directory.get("p1")).isNotNull();
  }

  @Test
  void forgedLeaveWithACopiedTokenAndNoValidMacIsDeadLettered() {
    admitP1();
    // An eavesdropper copies p1's headers from an earlier event onto a PeerLeft it made.
    TestRecord<byte[], byte[]> genuine = signed(CdnTopic.PEER_EVENTS, "p1",
        new PeerHeartbeat("p1", System.currentTimeMillis(), 0, 0L, 0, 0L, 0L, null), p1);
    TestRecord<byte[], byte[]> forged = new TestRecord<>(genuine.key(),
        topics.codec().encode(topics.name(CdnTopic.PEER_EVENTS), left("p1")), genuine.headers());
    peerEvents.pipeInput(forged);
    assertThat(deadLetterError()).contains("MAC does not match");
    assertThat(directory.get("p1")).isNotNull();
  }

  @Test
  void joinThatMovesThePeersUrlIsDeadLettered() {
    admitP1();
    // p1's own key, but its token binds P1_URL: the URL cannot be moved (to the origin, say).
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p1", joined("p1", ORIGIN_URL), p1));
    assertThat(deadLetterError()).contains("its token binds " + P1_URL);
    assertThat(directory.get("p1").baseUrl()).isEqualTo(P1_URL);
  }

  @Test
  void fakeHolderPointedAtTheOriginIsNeverAdmitted() {
    // Without a token of its own a fake peer can sign nothing; with another peer's it is refused.
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "fake", joined("fake", ORIGIN_URL), null));
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "fake", joined("fake", ORIGIN_URL), p1));
    segmentEvents.pipeInput(signed(CdnTopic.SEGMENT_EVENTS, "fake",
        new SegmentCached("fake", SEG, 1000L, "ab", System.currentTimeMillis()), p1));
    assertThat(deadLetterError()).contains("unsigned");
    assertThat(deadLetterError()).contains("signed with the token of p1");
    assertThat(deadLetterError()).contains("signed with the token of p1");
    assertThat(directory.get("fake")).isNull();
    assertThat(holders(SEG)).isEmpty();
  }

  @Test
  void replayedEventIsDeadLettered() {
    admitP1();
    TestRecord<byte[], byte[]> leave = signed(CdnTopic.PEER_EVENTS, "p1", left("p1"), p1);
    peerEvents.pipeInput(leave);
    assertThat(directory.get("p1")).isNull();
    // The peer comes back in a new session; the old PeerLeft replayed must not remove it again.
    p1.admit(issuer, "p1", AdmissionAuthority.PEER, P1_URL, "eu-west");
    admitP1();
    peerEvents.pipeInput(leave);
    assertThat(deadLetterError()).contains("replayed");
    assertThat(directory.get("p1")).isNotNull();
  }

  @Test
  void replayWithinOneSessionIsDeadLettered() {
    admitP1();
    TestRecord<byte[], byte[]> claim = signed(CdnTopic.SEGMENT_EVENTS, "p1",
        new SegmentCached("p1", SEG, 1000L, "ab", System.currentTimeMillis()), p1);
    segmentEvents.pipeInput(claim);
    segmentEvents.pipeInput(claim);
    assertThat(deadLetterError()).contains("replayed");
  }

  @Test
  void tokenOfAnotherClusterIsDeadLettered() {
    AdmissionAuthority rogue = new AdmissionAuthority(Base64.getDecoder().decode(TrustSettings.newSecret()),
        Duration.ofHours(1), Clock.systemUTC());
    NodeIdentity self = NodeIdentity.generate();
    self.admit(rogue, "p1", AdmissionAuthority.PEER, ORIGIN_URL, "eu-west");
    peerEvents.pipeInput(signed(CdnTopic.PEER_EVENTS, "p1", joined("p1", ORIGIN_URL), self));
    assertThat(deadLetterError()).contains("not signed by the cluster");
    assertThat(directory.get("p1")).isNull();
  }

  @Test
  void joinSignedWithAnotherEd25519KeyIsDeadLettered() {
    // The MAC key leaked (or the token was copied with it), but the Ed25519 key is not p1's.
    NodeIdentity thief = NodeIdentity.generate();
    TestRecord<byte[], byte[]> real = signed(CdnTopic.PEER_EVENTS, "p1", joined("p1", P1_URL), p1);
    TestRecord<byte[], byte[]> stolen = signed(CdnTopic.PEER_EVENTS, "p1", joined("p1", P1_URL), thief);
    assertThat(stolen.headers().toArray()).isEmpty(); // not admitted: signs nothing
    RecordHeaders h = new RecordHeaders(real.headers().toArray());
    h.remove(EventAuth.SIGNATURE);
    h.add(new RecordHeader(EventAuth.SIGNATURE, new byte[64]));
    peerEvents.pipeInput(new TestRecord<>(real.key(), real.value(), h));
    assertThat(deadLetterError()).contains("Ed25519 signature");
    assertThat(directory.get("p1")).isNull();
  }

  @Test
  void signedEventUnderAnotherKeyIsDeadLettered() {
    admitP1();
    segmentEvents.pipeInput(signed(CdnTopic.SEGMENT_EVENTS, "p2",
        new SegmentCached("p1", SEG, 1000L, "ab", System.currentTimeMillis()), p1));
    assertThat(deadLetterError()).contains("under the key p2");
    assertThat(Set.copyOf(holders(SEG))).isEmpty();
  }
}
