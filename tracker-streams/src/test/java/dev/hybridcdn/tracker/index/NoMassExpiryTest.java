package dev.hybridcdn.tracker.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.tracker.TrackerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
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

/**
 * Issue 12 item 3 on the production topology (TopologyTestDriver's mock wall clock): when the
 * tracker's input stops nobody is expired; once it resumes, nobody within the grace; after it, only
 * the peers that stayed silent. H = 1 s, TTL = 3 s, stall = 1.5 s, grace = TTL, max pause 60 s.
 */
class NoMassExpiryTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final String SEG = "demo/128k/seg00001.ts";
  private static final List<String> SWARM = List.of("p1", "p2", "p3");

  private TopologyTestDriver driver;
  private TestInputTopic<String, SpecificRecord> peerEvents;
  private TestInputTopic<String, SpecificRecord> segmentEvents;
  private TestOutputTopic<String, SpecificRecord> expirations;
  private ReapGate gate;
  private final AtomicInteger unknownHeartbeats = new AtomicInteger();
  private long elapsed;

  @BeforeEach
  void start() throws Exception {
    Path stateDir = Files.createTempDirectory("tracker-reap");
    TrackerConfig config = TrackerConfig.from(new Env(Map.of("STREAMS_PROCESSING_GUARANTEE", "at_least_once",
        "TRACKER_REQUIRE_CATALOG", "false",
        "TRACKER_APPLICATION_ID", "reap-tracker", "TRACKER_HEARTBEAT_INTERVAL_MS", "1000",
        "TRACKER_PUNCTUATE_INTERVAL_MS", "500", "TRACKER_STATE_DIR", stateDir.toString())));
    assertThat(config.peerTtl()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.inputStall()).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.reapGrace()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.reapMaxPause()).isEqualTo(Duration.ofSeconds(60));
    Properties props = TrackerTopology.streamsConfig(config, 7070);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    gate = new ReapGate(config);
    TrackerTopology.Listener listener = new TrackerTopology.Listener() {
      @Override
      public void unknownHeartbeat() {
        unknownHeartbeats.incrementAndGet();
      }
    };
    driver = new TopologyTestDriver(TrackerTopology.buildTopology(config, listener, new PeerDirectory(),
        new HolderIndex(), gate), props, Instant.ofEpochMilli(T0));
    TopicRegistry topics = config.topics();
    peerEvents = driver.createInputTopic(topics.name(CdnTopic.PEER_EVENTS), new StringSerializer(),
        topics.valueSerde().serializer());
    segmentEvents = driver.createInputTopic(topics.name(CdnTopic.SEGMENT_EVENTS), new StringSerializer(),
        topics.valueSerde().serializer());
    expirations = driver.createOutputTopic(topics.name(CdnTopic.PEER_EXPIRATIONS), new StringDeserializer(),
        topics.valueSerde().deserializer());
    for (String p : SWARM) {
      peerEvents.pipeInput(p, new PeerJoined(p, "eu-west", "http://127.0.0.1:9000", 4, 1_000_000L, now()), now());
      segmentEvents.pipeInput(p, new SegmentCached(p, SEG, 1000L, "ab", now()), now());
    }
    // The swarm talks for 5 s (past the start-up grace): everybody alive, reaping active.
    play(Duration.ofSeconds(5), SWARM);
    assertThat(gate.state(now())).isEqualTo(ReapGate.State.ACTIVE);
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private long now() {
    return T0 + elapsed;
  }

  /** Advances the wall clock in 250 ms steps; the given peers heartbeat every second (H). */
  private void play(Duration total, List<String> live) {
    for (long t = 0; t < total.toMillis(); t += 250) {
      elapsed += 250;
      driver.advanceWallClockTime(Duration.ofMillis(250));
      if (elapsed % 1000 == 0) {
        live.forEach(p -> peerEvents.pipeInput(p, new PeerHeartbeat(p, now(), 1, 1000L, 0, 0L, 0L, null), now()));
      }
    }
  }

  private KeyValueStore<String, PeerState> peers() {
    return driver.getKeyValueStore(TrackerStores.PEERS);
  }

  @Test
  void noInputForManyTtlsExpiresNobody() {
    play(Duration.ofSeconds(20), List.of()); // the broker is gone: not one event for 6 TTLs
    assertThat(expirations.isEmpty()).isTrue();
    assertThat(SWARM).allSatisfy(p -> assertThat(peers().get(p).announced()).isTrue());
    assertThat(gate.state(now())).isEqualTo(ReapGate.State.INPUT_STALLED);
    assertThat(gate.idleMs(now())).isGreaterThanOrEqualTo(19_000);
  }

  @Test
  void afterInputResumesOnlyTheSilentAreExpiredAndOnlyAfterTheGrace() {
    play(Duration.ofSeconds(10), List.of());
    // Input resumes (first heartbeat 1 s from here); p3 died during the outage. Within the grace
    // (3 s) nobody is expired.
    play(Duration.ofMillis(3500), List.of("p1", "p2"));
    assertThat(gate.state(now())).isEqualTo(ReapGate.State.GRACE);
    assertThat(expirations.isEmpty()).isTrue();
    assertThat(peers().get("p3")).isNotNull();
    // After it, the dead one goes within a punctuation; the live ones stay.
    play(Duration.ofSeconds(1), List.of("p1", "p2"));
    assertThat(gate.state(now())).isEqualTo(ReapGate.State.ACTIVE);
    var expired = expirations.readKeyValuesToList();
    assertThat(expired).extracting(kv -> kv.key).containsExactly("p3");
    assertThat(peers().get("p3")).isNull();
    assertThat(peers().get("p1").announced()).isTrue();
    assertThat(peers().get("p2").announced()).isTrue();
  }

  @Test
  void aPeerThatDiesWhileOthersTalkIsExpiredAtItsTtl() {
    play(Duration.ofMillis(2750), List.of("p1", "p2"));
    assertThat(expirations.isEmpty()).isTrue();
    play(Duration.ofMillis(750), List.of("p1", "p2"));
    assertThat(expirations.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("p3");
  }

  @Test
  void aSwarmSilentBeyondTheMaxPauseIsReaped() {
    play(Duration.ofSeconds(59), List.of());
    assertThat(expirations.isEmpty()).isTrue();
    play(Duration.ofSeconds(2), List.of()); // 61 s > TRACKER_REAP_MAX_PAUSE_MS (max(10 x TTL, 60 s))
    assertThat(expirations.readKeyValuesToList()).extracting(kv -> kv.key)
        .containsExactlyInAnyOrderElementsOf(SWARM);
  }

  @Test
  void heartbeatsOfAnExpiredPeerAreCountedNotApplied() {
    play(Duration.ofMillis(3500), List.of("p1", "p2"));
    assertThat(expirations.readKeyValuesToList()).hasSize(1);
    play(Duration.ofSeconds(2), SWARM); // p3 resumes heartbeating without re-announcing
    assertThat(unknownHeartbeats.get()).isEqualTo(2);
    assertThat(peers().get("p3")).isNull();
  }
}
