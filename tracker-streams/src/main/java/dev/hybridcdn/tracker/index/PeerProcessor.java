package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.deadletter.DeadLetters;
import dev.hybridcdn.schemas.events.HolderReported;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentEvicted;
import dev.hybridcdn.servicekit.identity.EventAuth;
import dev.hybridcdn.streamskit.trust.SequenceGuard;
import dev.hybridcdn.tracker.TrackerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-peer half of the tracker, keyed by peer id (co-partitioned {@code cdn.peer-events},
 * {@code cdn.segment-events}, {@code cdn.link-events}): liveness, holdings, load windows, and the
 * wall-clock reaper. It forwards the three kinds of {@link PeerOutput}: index changes (re-keyed by
 * segment id into the segment index), directory changes (the global peer directory) and
 * expirations (to {@code cdn.peer-expirations}).
 *
 * <p>Liveness is judged by the tracker's wall clock at processing time ({@code lastSeenMs}), not
 * the peer's clock, so skewed peer clocks cannot keep a dead peer alive; the reaper runs every
 * punctuation interval as a WALL_CLOCK_TIME punctuator, so expiry happens without any input
 * from the dead peer; it pauses while the instance's input as a whole has stopped, and for a grace
 * period after it resumes ({@link ReapGate}), so a broker outage does not expire the swarm.
 */
final class PeerProcessor implements Processor<String, SpecificRecord, String, PeerOutput> {
  private static final Logger LOG = LoggerFactory.getLogger(PeerProcessor.class);

  private final Duration ttl;
  private final Duration punctuateInterval;
  private final long windowMs;
  private final TrackerTopology.Listener listener;
  private final ReapGate gate;
  private final SegmentCatalog catalog;
  private final ClaimLimiter claims;
  private ProcessorContext<String, PeerOutput> context;
  private KeyValueStore<String, PeerState> peers;
  private KeyValueStore<String, Long> holdings;
  private WindowStore<String, LoadWindow> windows;
  private SequenceGuard sequences;
  private KeyValueStore<String, String> reports;
  private final int demoteReporters;
  private final long demotionMs;

  PeerProcessor(TrackerConfig config, TrackerTopology.Listener listener, ReapGate gate, SegmentCatalog catalog) {
    this.ttl = config.peerTtl();
    this.gate = gate;
    this.punctuateInterval = config.punctuateInterval();
    this.windowMs = config.loadWindow().toMillis();
    this.listener = listener;
    this.catalog = config.requireCatalog() ? catalog : null;
    this.claims = new ClaimLimiter(config.claimRate(), config.claimBurst());
    this.demoteReporters = config.demoteReporters();
    this.demotionMs = config.demotion().toMillis();
  }

  @Override
  public void init(ProcessorContext<String, PeerOutput> context) {
    this.context = context;
    peers = context.getStateStore(TrackerStores.PEERS);
    holdings = context.getStateStore(TrackerStores.PEER_HOLDINGS);
    windows = context.getStateStore(TrackerStores.PEER_LOAD_WINDOWS);
    sequences = new SequenceGuard(context.getStateStore(TrackerStores.EVENT_SEQUENCES));
    reports = context.getStateStore(TrackerStores.HOLDER_REPORTS);
    context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, this::reap);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    SpecificRecord event = record.value();
    if (event == null) {
      return; // a tombstone carries nothing
    }
    // A replayed or re-keyed signed event throws: the processing policy dead-letters it.
    sequences.check(context.recordMetadata().map(m -> m.topic()).orElse(""), record);
    long now = context.currentSystemTimeMs();
    gate.input(now);
    if (event instanceof PeerJoined e) {
      joined(e, now, record);
    } else if (event instanceof PeerHeartbeat e) {
      heartbeat(e, now, record);
    } else if (event instanceof PeerLeft e) {
      if (valid(Ids.isNodeId(e.getPeerId()), "peer id", e.getPeerId(), record)) {
        PeerState s = peers.get(e.getPeerId());
        if (s != null) {
          remove(s, now);
          LOG.debug("peer {} left: {}", e.getPeerId(), e.getReason());
        }
      }
    } else if (event instanceof SegmentCached e) {
      cached(e, now, record);
    } else if (event instanceof SegmentEvicted e) {
      evicted(e, record);
    } else if (event instanceof LinkMeasured e) {
      link(e, record);
    } else if (event instanceof HolderReported e) {
      reported(e, now, record);
    } else {
      skip("unexpected event type " + event.getClass().getSimpleName(), record);
    }
  }

  private void joined(PeerJoined e, long now, Record<String, SpecificRecord> r) {
    if (!valid(Ids.isNodeId(e.getPeerId()), "peer id", e.getPeerId(), r)
        || !valid(Ids.isRegion(e.getRegion()), "region", e.getRegion(), r)
        || !valid(isHttpUrl(e.getBaseUrl()), "baseUrl", e.getBaseUrl(), r)
        || !valid(e.getUploadSlots() >= 0, "uploadSlots", Integer.toString(e.getUploadSlots()), r)) {
      return;
    }
    PeerState old = peers.get(e.getPeerId());
    int held = 0;
    if (old != null && old.announced()) {
      // A second announce without leave is a restarted peer: a new session whose holdings it re-announces.
      clearHoldings(e.getPeerId());
    } else if (old != null) {
      held = old.heldSegments(); // segment events that arrived before the announce stay
    }
    // A demotion outlives a re-announce: a new session does not wash a bad reputation.
    PeerState s = new PeerState(e.getPeerId(), true, e.getRegion(), e.getBaseUrl(), e.getUploadSlots(),
        e.getCacheCapacityBytes(), e.getTs(), e.getTs(), now, 0, null, 0, 0, 0, 0, held,
        old == null ? java.util.Map.of() : old.links(), old == null ? 0 : old.demotedUntilMs(), tokenOf(r));
    peers.put(e.getPeerId(), s);
    context.forward(output(r, e.getPeerId(), new PeerOutput.DirectoryChange(s)));
  }

  private void heartbeat(PeerHeartbeat e, long now, Record<String, SpecificRecord> r) {
    if (!valid(Ids.isNodeId(e.getPeerId()), "peer id", e.getPeerId(), r)) {
      return;
    }
    PeerState old = peers.get(e.getPeerId());
    if (old == null || !old.announced()) {
      // Not announced (or expired): without region and base URL it cannot be ranked; it re-announces
      // when it reads its PeerExpired (peer-vertx ExpiryListener). Counted: a steady rate means peers
      // that do not.
      LOG.debug("heartbeat of unannounced peer {} at {} ignored", e.getPeerId(), where(r));
      listener.unknownHeartbeat();
      return;
    }
    long served = e.getUploadedBytes() >= old.uploadedBytes() ? e.getUploadedBytes() - old.uploadedBytes()
        : Math.max(0, e.getUploadedBytes()); // counter restarted
    long windowStart = Math.floorDiv(e.getTs(), windowMs) * windowMs;
    LoadWindow w = windows.fetch(e.getPeerId(), windowStart);
    windows.put(e.getPeerId(), (w == null ? new LoadWindow(0, 0) : w).add(1, served), windowStart);
    Double meanRtt = e.getMeanRttMs();
    if (meanRtt != null && !RttBounds.valid(meanRtt)) {
      // NaN or a negative value would rank this peer first for every requester (issue 16).
      LOG.debug("heartbeat of {} at {}: meanRttMs {} not believed", e.getPeerId(), where(r), meanRtt);
      listener.rttRejected();
      meanRtt = null;
    }
    PeerState s = new PeerState(old.peerId(), true, old.region(), old.baseUrl(), old.uploadSlots(),
        old.cacheCapacityBytes(), old.joinedTs(), e.getTs(), now, Math.max(0, e.getActiveUploads()), meanRtt,
        e.getUploadedBytes(), e.getDownloadedBytes(), e.getCachedSegments(), e.getCachedBytes(), old.heldSegments(),
        old.links(), old.demotedUntilMs(), old.admissionToken());
    peers.put(s.peerId(), s);
    if (old.activeUploads() != s.activeUploads() || !Objects.equals(old.meanRttMs(), s.meanRttMs())) {
      context.forward(output(r, s.peerId(), new PeerOutput.DirectoryChange(s)));
    }
  }

  private void cached(SegmentCached e, long now, Record<String, SpecificRecord> r) {
    if (!valid(Ids.isNodeId(e.getPeerId()), "peer id", e.getPeerId(), r)
        || !valid(Ids.SegmentId.parse(e.getSegmentId()).isPresent(), "segment id", e.getSegmentId(), r)) {
      return;
    }
    PeerState s = peers.get(e.getPeerId());
    if (s == null) {
      s = PeerState.pending(e.getPeerId(), now);
    }
    String key = TrackerStores.composite(e.getPeerId(), e.getSegmentId());
    if (holdings.get(key) == null && believed(e, now, r)) {
      holdings.put(key, Math.max(0, e.getBytes()));
      s = s.withHeld(s.heldSegments() + 1);
      context.forward(output(r, e.getSegmentId(), PeerOutput.IndexChange.added(e.getPeerId(),
          Math.max(0, e.getBytes()))));
    }
    peers.put(e.getPeerId(), s.withLastSeen(now));
  }

  /** A new holding is indexed only for a segment the catalog names, within the peer's claim rate. */
  private boolean believed(SegmentCached e, long now, Record<String, SpecificRecord> r) {
    if (catalog != null && !catalog.contains(e.getSegmentId())) {
      LOG.debug("claim of {} by {} at {} refused: not in the catalog", e.getSegmentId(), e.getPeerId(), where(r));
      listener.claimRefused("unknown_segment");
      return false;
    }
    if (!claims.tryAcquire(e.getPeerId(), now)) {
      LOG.debug("claim of {} by {} at {} refused: over the claim rate", e.getSegmentId(), e.getPeerId(), where(r));
      listener.claimRefused("rate_limited");
      return false;
    }
    return true;
  }

  private void evicted(SegmentEvicted e, Record<String, SpecificRecord> r) {
    if (!valid(Ids.isNodeId(e.getPeerId()), "peer id", e.getPeerId(), r)
        || !valid(Ids.SegmentId.parse(e.getSegmentId()).isPresent(), "segment id", e.getSegmentId(), r)) {
      return;
    }
    String key = TrackerStores.composite(e.getPeerId(), e.getSegmentId());
    if (holdings.delete(key) != null) {
      context.forward(output(r, e.getSegmentId(), PeerOutput.IndexChange.removed(e.getPeerId())));
      PeerState s = peers.get(e.getPeerId());
      if (s != null) {
        peers.put(s.peerId(), s.withHeld(Math.max(0, s.heldSegments() - 1)));
      }
    }
  }

  private void link(LinkMeasured e, Record<String, SpecificRecord> r) {
    if (!valid(Ids.isNodeId(e.getFromId()), "fromId", e.getFromId(), r)
        || !valid(Ids.isNodeId(e.getToId()), "toId", e.getToId(), r)
        || !valid(RttBounds.valid(e.getRttMs()), "rttMs", Double.toString(e.getRttMs()), r)) {
      return;
    }
    if (e.getToKind() == NodeKind.EDGE) {
      return; // the tracker ranks peers; edge RTTs are the topology's business
    }
    PeerState s = peers.get(e.getFromId());
    if (s == null || !s.announced()) {
      return;
    }
    PeerState updated = s.withLink(e.getToId(), e.getRttMs());
    peers.put(s.peerId(), updated);
    context.forward(output(r, s.peerId(), new PeerOutput.DirectoryChange(updated)));
  }

  /**
   * A peer reports a holder that failed it. Reports of one holder by {@code demoteReporters} distinct
   * peers within the demotion period demote it for that period (it ranks after every other holder);
   * one peer reporting many times counts once, and a holder cannot report itself.
   */
  private void reported(HolderReported e, long now, Record<String, SpecificRecord> r) {
    if (!valid(Ids.isNodeId(e.getReporterId()), "reporterId", e.getReporterId(), r)
        || !valid(Ids.isNodeId(e.getHolderId()), "holderId", e.getHolderId(), r)
        || !valid(!e.getReporterId().equals(e.getHolderId()), "reporterId", e.getReporterId(), r)) {
      return;
    }
    PeerState holder = peers.get(e.getHolderId());
    if (holder == null || !holder.announced()) {
      return; // gone already
    }
    java.util.Map<String, Long> recent = new java.util.LinkedHashMap<>();
    String stored = reports.get(e.getHolderId());
    if (stored != null) {
      for (String entry : stored.split(",")) {
        int eq = entry.indexOf('=');
        long at = Long.parseLong(entry.substring(eq + 1));
        if (now - at < demotionMs) {
          recent.put(entry.substring(0, eq), at);
        }
      }
    }
    recent.remove(e.getReporterId());
    recent.put(e.getReporterId(), now);
    while (recent.size() > 4 * demoteReporters) {
      recent.remove(recent.keySet().iterator().next()); // oldest first: bounded per holder
    }
    StringBuilder sb = new StringBuilder();
    recent.forEach((id, at) -> sb.append(sb.length() == 0 ? "" : ",").append(id).append('=').append(at));
    reports.put(e.getHolderId(), sb.toString());
    if (recent.size() >= demoteReporters && !holder.demoted(now)) {
      PeerState demoted = holder.withDemotedUntil(now + demotionMs);
      peers.put(demoted.peerId(), demoted);
      context.forward(output(r, demoted.peerId(), new PeerOutput.DirectoryChange(demoted)));
      listener.demoted(demoted.peerId());
      LOG.info("holder {} demoted for {} ms: reported by {} peers ({} last, {})", demoted.peerId(), demotionMs,
          recent.size(), e.getReporterId(), e.getReason());
    }
  }

  /**
   * The reaper: every peer not seen for the TTL is removed and announced expired, unless the
   * instance's input has stopped or has just resumed ({@link ReapGate}).
   */
  private void reap(long now) {
    if (gate.state(now) != ReapGate.State.ACTIVE) {
      return;
    }
    List<PeerState> expired = new ArrayList<>();
    try (KeyValueIterator<String, PeerState> it = peers.all()) {
      while (it.hasNext()) {
        PeerState s = it.next().value;
        if (now - s.lastSeenMs() >= ttl.toMillis()) {
          expired.add(s);
        }
      }
    }
    for (PeerState s : expired) {
      remove(s, now);
      long lastSeen = s.announced() ? Math.max(s.lastEventTs(), 0) : s.lastSeenMs();
      context.forward(new Record<>(s.peerId(), (PeerOutput) new PeerOutput.Expired(new PeerExpired(s.peerId(), lastSeen, now)), now));
      listener.expired(s.peerId());
      LOG.info("peer {} expired: silent for {} ms (TTL {} ms), {} segments dropped", s.peerId(),
          now - s.lastSeenMs(), ttl.toMillis(), s.heldSegments());
    }
  }

  private void remove(PeerState s, long now) {
    claims.forget(s.peerId());
    // Reports stay (a holder that leaves and comes back keeps them), bounded by their age on the next report.
    clearHoldings(s.peerId());
    peers.delete(s.peerId());
    if (s.announced()) {
      context.forward(new Record<>(s.peerId(), (PeerOutput) new PeerOutput.DirectoryChange(null), now));
    }
  }

  private void clearHoldings(String peerId) {
    List<KeyValue<String, Long>> held = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = holdings.prefixScan(peerId + TrackerStores.SEP,
        new org.apache.kafka.common.serialization.StringSerializer())) {
      while (it.hasNext()) {
        held.add(it.next());
      }
    }
    long ts = context.currentSystemTimeMs();
    for (KeyValue<String, Long> kv : held) {
      holdings.delete(kv.key);
      String segmentId = TrackerStores.second(kv.key);
      context.forward(new Record<>(segmentId, (PeerOutput) PeerOutput.IndexChange.removed(peerId), ts));
    }
  }

  /**
   * What the processor forwards for input record {@code r}: its timestamp, without its headers. The
   * input's five cdn.auth.* signature headers (~490 bytes, verified at the source) would otherwise ride
   * along on every repartition and directory record: more bytes for the broker to write and for Streams
   * to size, copy and parse than the record itself (README "Benchmark").
   */
  private static Record<String, PeerOutput> output(Record<String, SpecificRecord> r, String key, PeerOutput value) {
    return new Record<>(key, value, r.timestamp());
  }

  /** The admission token a (verified) event was signed with, or null. */
  private static String tokenOf(Record<String, SpecificRecord> r) {
    org.apache.kafka.common.header.Header h = r.headers().lastHeader(EventAuth.TOKEN);
    return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private boolean valid(boolean ok, String what, String value, Record<String, SpecificRecord> r) {
    if (!ok) {
      skip("invalid " + what + " '" + value + "'", r);
    }
    return ok;
  }

  private void skip(String why, Record<String, SpecificRecord> r) {
    LOG.warn("skipped record at {}: {}", where(r), why);
    listener.skipped();
  }

  private String where(Record<String, SpecificRecord> r) {
    return context.recordMetadata().map(m -> DeadLetters.where(m.topic(), m.partition(), m.offset()))
        .orElse("(punctuation)");
  }

  static boolean isHttpUrl(String s) {
    if (s == null || s.length() > 2048) {
      return false;
    }
    try {
      java.net.URI uri = new java.net.URI(s);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /** Reads a peer's load windows [from, to] (epoch ms of window starts), oldest first. */
  static List<KeyValue<Long, LoadWindow>> windows(org.apache.kafka.streams.state.ReadOnlyWindowStore<String, LoadWindow> store,
      String peerId, long fromMs, long toMs) {
    List<KeyValue<Long, LoadWindow>> out = new ArrayList<>();
    try (WindowStoreIterator<LoadWindow> it = store.fetch(peerId, java.time.Instant.ofEpochMilli(fromMs),
        java.time.Instant.ofEpochMilli(toMs))) {
      while (it.hasNext()) {
        out.add(it.next());
      }
    }
    return out;
  }
}
