package dev.hybridcdn.streamskit.query;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which instance owns a String key of one store, as {@link KafkaStreams#queryMetadataForKey} says,
 * without taking Streams' metadata lock on every query. {@code queryMetadataForKey} is
 * {@code synchronized} on the instance's {@code StreamsMetadataState}; with two HTTP event loops and a
 * loaded CPU a descheduled holder of that lock stalled the other loop for up to 661 ms in 30 s of
 * tracker lookups (JFR {@code jdk.JavaMonitorEnter}, tracker-streams README "Benchmark").
 *
 * <p>The answer per partition is taken once per rebalance: when Streams is RUNNING, the first query
 * asks Streams about {@value #PROBES_PER_PARTITION} probe keys per partition and keeps each partition's
 * {@link KeyQueryMetadata}. A key's partition is then computed as Streams' default partitioner does for
 * a String key ({@code toPositive(murmur2(utf8(key))) % partitions}); the probes check that this agrees
 * with Streams (else the snapshot is never used, and every query asks Streams, as before). Any state
 * change ({@link #stateChanged}, called from the app's state listener) drops the snapshot; while Streams
 * is not RUNNING every query asks Streams.
 *
 * <p>Used only for stores fed by the default partitioner on String keys (a custom partitioner would fail
 * the probe check). Thread-safe; lock-free after the snapshot is taken.
 */
public final class KeyOwnership {
  private static final Logger LOG = LoggerFactory.getLogger(KeyOwnership.class);
  /** Probe keys per partition: a wrong partition count passes all probes with odds of about 2^-n. */
  static final int PROBES_PER_PARTITION = 4;
  private static final int MAX_PROBE_KEYS = 1_000_000;

  /** A key's owner and whether it came from the snapshot. */
  public record Owner(KeyQueryMetadata metadata, boolean fromSnapshot) {}

  private record Snapshot(long epoch, KeyQueryMetadata[] byPartition) {}

  private final String store;
  private final int partitions;
  private final Supplier<KafkaStreams.State> state;
  private final Function<String, KeyQueryMetadata> metadata;
  private final AtomicLong epoch = new AtomicLong();
  private volatile Snapshot snapshot;
  private volatile boolean disabled;

  /**
   * @param store the store whose keys are asked about
   * @param partitions partitions of the store's source topic (the probes check it)
   */
  public KeyOwnership(KafkaStreams streams, String store, int partitions) {
    this(store, partitions, streams::state,
        key -> streams.queryMetadataForKey(store, key, new StringSerializer()));
  }

  KeyOwnership(String store, int partitions, Supplier<KafkaStreams.State> state,
      Function<String, KeyQueryMetadata> metadata) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
    }
    this.store = store;
    this.partitions = partitions;
    this.state = state;
    this.metadata = metadata;
  }

  /** Streams changed state (the app's {@code KafkaStreams.StateListener}): ownership may have moved. */
  public void stateChanged() {
    epoch.incrementAndGet();
    snapshot = null;
  }

  /**
   * The owner of {@code key}: from the snapshot of this RUNNING period, else from Streams
   * ({@link KeyQueryMetadata#NOT_AVAILABLE} when Streams cannot say, e.g. while rebalancing).
   */
  public Owner of(String key) {
    long e = epoch.get();
    Snapshot s = snapshot;
    if (s == null || s.epoch() != e) {
      s = take(e);
    }
    // The state check after the epoch read: a rebalance that began since the snapshot was taken has
    // moved the state off RUNNING (the listener bumps the epoch right after).
    if (s != null && state.get() == KafkaStreams.State.RUNNING && epoch.get() == e) {
      return new Owner(s.byPartition()[partition(key, partitions)], true);
    }
    return new Owner(ask(key), false);
  }

  /** The partition Streams' default partitioner gives a String key among {@code partitions}. */
  public static int partition(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  private KeyQueryMetadata ask(String key) {
    try {
      return metadata.apply(key);
    } catch (RuntimeException ex) {
      return KeyQueryMetadata.NOT_AVAILABLE;
    }
  }

  /** A snapshot of epoch {@code e}, kept when nothing changed meanwhile; null when Streams cannot give one. */
  private Snapshot take(long e) {
    if (disabled || state.get() != KafkaStreams.State.RUNNING) {
      return null;
    }
    KeyQueryMetadata[] byPartition = new KeyQueryMetadata[partitions];
    int[] probed = new int[partitions];
    int left = partitions * PROBES_PER_PARTITION;
    for (int i = 0; left > 0 && i < MAX_PROBE_KEYS; i++) {
      String probe = "\u0000ownership-probe-" + i;
      int p = partition(probe, partitions);
      if (probed[p] == PROBES_PER_PARTITION) {
        continue;
      }
      KeyQueryMetadata m = ask(probe);
      if (m == KeyQueryMetadata.NOT_AVAILABLE) {
        return null;
      }
      if (m.partition() != p) {
        disabled = true;
        LOG.warn("store {}: Streams puts probe key {} in partition {}, not {} of {}: asking Streams on every query",
            store, i, m.partition(), p, partitions);
        return null;
      }
      if (byPartition[p] != null && !same(byPartition[p], m)) {
        return null; // ownership moved while probing
      }
      byPartition[p] = m;
      probed[p]++;
      left--;
    }
    if (left > 0) {
      return null;
    }
    Snapshot s = new Snapshot(e, byPartition);
    if (epoch.get() == e) {
      snapshot = s;
    }
    return s;
  }

  private static boolean same(KeyQueryMetadata a, KeyQueryMetadata b) {
    return a.activeHost().equals(b.activeHost()) && a.standbyHosts().equals(b.standbyHosts());
  }
}
