package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.internal.HolderChange;
import dev.hybridcdn.schemas.internal.InternalRecords;
import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.identity.EventVerifier;
import dev.hybridcdn.streamskit.trust.SequenceGuard;
import dev.hybridcdn.streamskit.trust.VerifiedEvents;
import dev.hybridcdn.tracker.TrackerConfig;
import java.time.Duration;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The tracker's Kafka Streams topology and settings, apart from {@code main} so tests drive the
 * production topology.
 *
 * <pre>
 * cdn.peer-events ─┐
 * cdn.segment-events ─┼─ merge ─ tracker-peer-liveness [tracker-peers, tracker-peer-holdings,
 * cdn.link-events ─┘                         tracker-peer-load-windows; wall-clock reaper]
 *      ├─ INDEX (HolderChange) ─ repartition tracker-holdings-by-segment ─ tracker-segment-index
 *      │                                  [tracker-segment-holders, tracker-segment-holder-counts]
 *      ├─ DIRECTORY (PeerState) ─ &lt;app&gt;-tracker-peer-directory (compacted) ─ global tracker-peer-directory
 *      └─ EXPIRED (PeerExpired) ─ cdn.peer-expirations
 * </pre>
 */
public final class TrackerTopology {
  /** Values of the {@link TrackerStores#HOLDINGS_BY_SEGMENT} repartition topic. */
  private static final Serde<HolderChange> HOLDER_CHANGES = InternalRecords.serde(HolderChange.class);

  private TrackerTopology() {}

  /** Callbacks from stream threads, e.g. for metrics; must be thread-safe and fast. */
  public interface Listener {
    /** A peer was expired by the reaper. */
    default void expired(String peerId) {}

    /** A decodable record was skipped for invalid content (logged with topic/partition/offset). */
    default void skipped() {}

    /** A heartbeat came from a peer that is not announced (never, or expired): it was ignored. */
    default void unknownHeartbeat() {}

    /** A holding was refused (issue 16): {@code reason} is {@code unknown_segment} or {@code rate_limited}. */
    default void claimRefused(String reason) {}

    /** A self-reported RTT was not believed (NaN, infinite, negative, or above the bound). */
    default void rttRejected() {}

    /** A holder was demoted: reported by several distinct peers (HolderReported). */
    default void demoted(String peerId) {}

    Listener NONE = new Listener() {};
  }

  /** The topology with no listener and its own peer directory. */
  public static Topology buildTopology(TrackerConfig config) {
    return buildTopology(config, Listener.NONE, new PeerDirectory());
  }

  /** As {@link #buildTopology(TrackerConfig, Listener, PeerDirectory, HolderIndex)} with a holder index of its own. */
  public static Topology buildTopology(TrackerConfig config, Listener listener, PeerDirectory directory) {
    return buildTopology(config, listener, directory, new HolderIndex());
  }

  /**
   * Builds the topology described in the class comment; every store, processor and internal
   * topic is named from {@link TrackerStores}.
   *
   * @param directory the decoded view of the global peer directory this topology fills (one per
   *     KafkaStreams instance)
   * @param holders where this topology's segment index stores register by partition, for lookups
   *     (one per KafkaStreams instance)
   */
  public static Topology buildTopology(TrackerConfig config, Listener listener, PeerDirectory directory,
      HolderIndex holders) {
    return buildTopology(config, listener, directory, holders, new ReapGate(config));
  }

  /**
   * As {@link #buildTopology(TrackerConfig, Listener, PeerDirectory, HolderIndex)}, with the
   * instance's reap gate (one per KafkaStreams instance, shared by its tasks; metrics read it).
   */
  public static Topology buildTopology(TrackerConfig config, Listener listener, PeerDirectory directory,
      HolderIndex holders, ReapGate gate) {
    return buildTopology(config, listener, directory, holders, gate,
        new SegmentCatalog(config.topics().codec(), config.topics().name(CdnTopic.CATALOG)));
  }

  /**
   * As {@link #buildTopology(TrackerConfig, Listener, PeerDirectory, HolderIndex, ReapGate)}, with the
   * instance's catalog view (filled from {@code cdn.catalog} by a global store; read by the peer processor).
   */
  public static Topology buildTopology(TrackerConfig config, Listener listener, PeerDirectory directory,
      HolderIndex holders, ReapGate gate, SegmentCatalog catalog) {
    TopicRegistry topics = config.topics();
    Serde<String> keys = topics.keySerde();
    // Peer events are checked as they are read (issue 16): forged, unsigned (when required) or
    // expired ones are dead-lettered by the deserialization policy; replays by the processor's guard.
    Serde<SpecificRecord> events = VerifiedEvents.serde(topics.valueSerde(),
        EventVerifier.of(config.streams().trust()));
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(SequenceGuard.storeBuilder(TrackerStores.EVENT_SEQUENCES));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TrackerStores.HOLDER_REPORTS),
        Serdes.String(), Serdes.String()));

    // Every store is in memory and changelogged (restored from Kafka on start or task move): the
    // index is ~2M small entries, whose RocksDB reads and writes through JNI and the store layers
    // were the largest cost of both processing and lookups (JFR profile, README "Benchmark").
    // The holder stores are grouped hash maps (GroupedStore) so "holders of a segment" is one lookup.
    // Caching: a peer's state and a segment's holder count change with every segment event; the
    // cache folds those writes into one store and changelog write per commit interval.
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TrackerStores.PEERS),
        Serdes.String(), PeerState.serde()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(GroupedStore.supplier(TrackerStores.PEER_HOLDINGS),
        Serdes.String(), Serdes.Long()));
    Duration window = config.loadWindow();
    // Keep the last 10 windows (at least an hour) queryable.
    Duration retention = window.multipliedBy(10).compareTo(Duration.ofHours(1)) < 0 ? Duration.ofHours(1)
        : window.multipliedBy(10);
    builder.addStateStore(Stores.windowStoreBuilder(
        Stores.persistentWindowStore(TrackerStores.PEER_LOAD_WINDOWS, retention, window, false),
        Serdes.String(), LoadWindow.serde()));
    builder.addStateStore(Stores.keyValueStoreBuilder(GroupedStore.supplier(TrackerStores.SEGMENT_HOLDERS, holders),
        Serdes.String(), Serdes.Long()));
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(TrackerStores.SEGMENT_HOLDER_COUNTS), Serdes.String(), Serdes.Integer())
        .withCachingEnabled());

    KStream<String, SpecificRecord> peerEvents = builder.stream(topics.name(CdnTopic.PEER_EVENTS),
        Consumed.with(keys, events).withName(TrackerStores.PEER_EVENTS_SOURCE));
    KStream<String, SpecificRecord> segmentEvents = builder.stream(topics.name(CdnTopic.SEGMENT_EVENTS),
        Consumed.with(keys, events).withName(TrackerStores.SEGMENT_EVENTS_SOURCE));
    KStream<String, SpecificRecord> linkEvents = builder.stream(topics.name(CdnTopic.LINK_EVENTS),
        Consumed.with(keys, events).withName(TrackerStores.LINK_EVENTS_SOURCE));

    KStream<String, SpecificRecord> holderReports = builder.stream(topics.name(CdnTopic.HOLDER_REPORTS),
        Consumed.with(keys, events).withName(TrackerStores.HOLDER_REPORTS_SOURCE));

    KStream<String, PeerOutput> out = peerEvents
        .merge(segmentEvents, Named.as(TrackerStores.MERGE_PEER_SEGMENT))
        .merge(linkEvents, Named.as(TrackerStores.MERGE_LINKS))
        .merge(holderReports, Named.as(TrackerStores.MERGE_REPORTS))
        .process(() -> new PeerProcessor(config, listener, gate, catalog),
            Named.as(TrackerStores.PEER_PROCESSOR), TrackerStores.PEERS, TrackerStores.PEER_HOLDINGS,
            TrackerStores.PEER_LOAD_WINDOWS, TrackerStores.EVENT_SEQUENCES, TrackerStores.HOLDER_REPORTS);

    out.filter((k, v) -> v.kind() == PeerOutput.Kind.INDEX, Named.as(TrackerStores.INDEX_CHANGES))
        .mapValues(v -> ((PeerOutput.IndexChange) v).change(), Named.as(TrackerStores.INDEX_CHANGE_VALUES))
        .repartition(Repartitioned.<String, HolderChange>as(TrackerStores.HOLDINGS_BY_SEGMENT)
            .withKeySerde(Serdes.String()).withValueSerde(HOLDER_CHANGES))
        .process(SegmentIndexProcessor::new, Named.as(TrackerStores.SEGMENT_INDEX_PROCESSOR),
            TrackerStores.SEGMENT_HOLDERS, TrackerStores.SEGMENT_HOLDER_COUNTS);

    String directoryTopic = AppTopic.TRACKER_PEER_DIRECTORY.name(config.applicationId());
    out.filter((k, v) -> v.kind() == PeerOutput.Kind.DIRECTORY, Named.as(TrackerStores.DIRECTORY_CHANGES))
        .mapValues(v -> ((PeerOutput.DirectoryChange) v).state(), Named.as(TrackerStores.DIRECTORY_CHANGE_VALUES))
        .to(directoryTopic, Produced.with(Serdes.String(), PeerState.serde()).withName(TrackerStores.DIRECTORY_SINK));

    out.filter((k, v) -> v.kind() == PeerOutput.Kind.EXPIRED, Named.as(TrackerStores.EXPIRATIONS))
        .mapValues(v -> (SpecificRecord) ((PeerOutput.Expired) v).event(), Named.as(TrackerStores.EXPIRATION_VALUES))
        .to(topics.name(CdnTopic.PEER_EXPIRATIONS), Produced.with(keys, topics.valueSerde())
            .withName(TrackerStores.EXPIRATIONS_SINK));

    builder.addGlobalStore(directory.storeBuilder(), directoryTopic,
        Consumed.with(Serdes.String(), PeerState.serde()).withName(TrackerStores.PEER_DIRECTORY_SOURCE),
        PeerDirectory.updater());
    builder.addGlobalStore(catalog.storeBuilder(), topics.name(CdnTopic.CATALOG),
        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(TrackerStores.CATALOG_SOURCE),
        SegmentCatalog.updater());
    return builder.build();
  }

  /**
   * The full Streams settings of an instance (for TopologyTestDriver and tools): the streams-kit
   * base ({@link dev.hybridcdn.streamskit.StreamsSettings#properties}: guarantee, bad-record
   * handlers, replication 1), {@code application.server} and {@link #configure}.
   *
   * @param httpPort the port this instance's HTTP server listens on
   */
  public static Properties streamsConfig(TrackerConfig config, int httpPort) {
    Properties p = config.streams().properties(config.applicationId(), config.common(), (short) 1);
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.advertisedHost() + ":" + httpPort);
    configure(p, config, httpPort);
    return p;
  }

  /**
   * The tracker's own Streams settings on top of the streams-kit ones: standby replicas, state dir
   * per instance, and the commit/session timings from the config.
   *
   * @param httpPort the port this instance's HTTP server listens on (names the state dir)
   */
  public static void configure(Properties p, TrackerConfig config, int httpPort) {
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().resolve(config.applicationId() + "-" + httpPort).toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, (int) config.commitInterval().toMillis());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
        (int) config.sessionTimeout().toMillis());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
        (int) Math.max(500, config.sessionTimeout().toMillis() / 5));
    // Never wait for empty input partitions: the peer processor merges three topics and already
    // takes their events in any order (pending peers, README "Pending peers"). With the default (0)
    // Streams checks, and formats a trace line for, every empty partition before each record: ~13%
    // of the stream thread in the benchmark profile.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    // Standbys are queryable stale while a task moves; keep them close behind.
    p.put(StreamsConfig.ACCEPTABLE_RECOVERY_LAG_CONFIG, 10_000L);
  }
}
