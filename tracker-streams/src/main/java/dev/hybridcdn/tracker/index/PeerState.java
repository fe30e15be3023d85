package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.internal.InternalRecords;
import dev.hybridcdn.schemas.internal.PeerLink;
import dev.hybridcdn.schemas.internal.TrackedPeer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What the tracker knows of one peer: its announcement (PeerJoined), its last heartbeat and the
 * RTTs it measured to neighbour peers (LinkMeasured). Immutable; the processor replaces it.
 *
 * @param announced true once PeerJoined was seen; false for a pending peer known only from
 *     SegmentCached events (events of two topics may arrive in either order); pending peers are
 *     not ranked or listed
 * @param uploadSlots concurrent uploads the peer accepts
 * @param lastEventTs epoch ms (peer clock) of the last PeerJoined or PeerHeartbeat
 * @param lastSeenMs epoch ms (tracker wall clock) when the last PeerJoined, PeerHeartbeat or
 *     SegmentCached was processed; the reaper expires the peer at {@code lastSeenMs + TTL}
 * @param meanRttMs the peer's own mean smoothed RTT (PeerHeartbeat v2), ms, or null
 * @param heldSegments number of segments the tracker has the peer holding
 * @param links neighbour peer id -> smoothed RTT in ms measured by this peer (at most
 *     {@link #MAX_LINKS}, the most recently measured kept)
 * @param admissionToken the token (JWT) its PeerJoined was signed with, or null (events unsigned);
 *     lookups hand it to requesters, which fetch only from the URL it binds (issue 16)
 * @param demotedUntilMs epoch ms (tracker wall clock) until which the peer ranks after every other
 *     holder, because several distinct peers reported it (HolderReported); 0: not demoted
 */
public record PeerState(String peerId, boolean announced, String region, String baseUrl, int uploadSlots,
    long cacheCapacityBytes, long joinedTs, long lastEventTs, long lastSeenMs, int activeUploads, Double meanRttMs,
    long uploadedBytes, long downloadedBytes, int cachedSegments, long cachedBytes, int heldSegments,
    Map<String, Double> links, long demotedUntilMs, String admissionToken) {

  /** Not demoted. */
  public PeerState(String peerId, boolean announced, String region, String baseUrl, int uploadSlots,
      long cacheCapacityBytes, long joinedTs, long lastEventTs, long lastSeenMs, int activeUploads, Double meanRttMs,
      long uploadedBytes, long downloadedBytes, int cachedSegments, long cachedBytes, int heldSegments,
      Map<String, Double> links) {
    this(peerId, announced, region, baseUrl, uploadSlots, cacheCapacityBytes, joinedTs, lastEventTs, lastSeenMs,
        activeUploads, meanRttMs, uploadedBytes, downloadedBytes, cachedSegments, cachedBytes, heldSegments, links, 0,
        null);
  }

  /** True while the peer is demoted at {@code nowMs}. */
  public boolean demoted(long nowMs) {
    return demotedUntilMs > nowMs;
  }

  /** The same peer, demoted until {@code untilMs}. */
  public PeerState withDemotedUntil(long untilMs) {
    return new PeerState(peerId, announced, region, baseUrl, uploadSlots, cacheCapacityBytes, joinedTs, lastEventTs,
        lastSeenMs, activeUploads, meanRttMs, uploadedBytes, downloadedBytes, cachedSegments, cachedBytes, heldSegments,
        links, untilMs, admissionToken);
  }

  /** Neighbour RTTs kept per peer; a peer measures a handful of neighbours, so this bounds a hostile one. */
  public static final int MAX_LINKS = 64;

  /** A pending peer, seen first through a segment event. */
  public static PeerState pending(String peerId, long nowMs) {
    return new PeerState(peerId, false, null, null, 0, 0, 0, 0, nowMs, 0, null, 0, 0, 0, 0, 0, Map.of());
  }

  /** Load as ranked: active uploads / upload slots, 0..1 (1 when the peer has no slots). */
  public double load() {
    if (uploadSlots <= 0) {
      return 1.0;
    }
    return Math.min(1.0, Math.max(0.0, activeUploads / (double) uploadSlots));
  }

  public PeerState withLastSeen(long nowMs) {
    return new PeerState(peerId, announced, region, baseUrl, uploadSlots, cacheCapacityBytes, joinedTs, lastEventTs,
        nowMs, activeUploads, meanRttMs, uploadedBytes, downloadedBytes, cachedSegments, cachedBytes, heldSegments,
        links, demotedUntilMs, admissionToken);
  }

  public PeerState withHeld(int held) {
    return new PeerState(peerId, announced, region, baseUrl, uploadSlots, cacheCapacityBytes, joinedTs, lastEventTs,
        lastSeenMs, activeUploads, meanRttMs, uploadedBytes, downloadedBytes, cachedSegments, cachedBytes, held,
        links, demotedUntilMs, admissionToken);
  }

  public PeerState withLink(String toPeer, double rttMs) {
    Map<String, Double> copy = new LinkedHashMap<>(links);
    copy.remove(toPeer);
    copy.put(toPeer, rttMs);
    while (copy.size() > MAX_LINKS) {
      copy.remove(copy.keySet().iterator().next());
    }
    return new PeerState(peerId, announced, region, baseUrl, uploadSlots, cacheCapacityBytes, joinedTs, lastEventTs,
        lastSeenMs, activeUploads, meanRttMs, uploadedBytes, downloadedBytes, cachedSegments, cachedBytes, heldSegments,
        copy, demotedUntilMs, admissionToken);
  }

  private static final Serde<TrackedPeer> RECORDS = InternalRecords.serde(TrackedPeer.class);
  private static final Serde<PeerState> SERDE = Serdes.serdeFrom(
      (topic, s) -> s == null ? null : RECORDS.serializer().serialize(topic, s.toRecord()),
      (topic, data) -> data == null ? null : from(RECORDS.deserializer().deserialize(topic, data)));

  /**
   * The serde of {@link TrackerStores#PEERS} and the peer directory: the Avro record
   * {@link TrackedPeer} (schemas, {@code avro/internal/}); undecodable bytes fail with
   * {@link org.apache.kafka.common.errors.SerializationException}.
   */
  public static Serde<PeerState> serde() {
    return SERDE;
  }

  /** As stored. */
  TrackedPeer toRecord() {
    List<PeerLink> linkList = new ArrayList<>(links.size());
    links.forEach((to, rtt) -> linkList.add(new PeerLink(to, rtt)));
    return new TrackedPeer(peerId, announced, region, baseUrl, uploadSlots, cacheCapacityBytes, joinedTs,
        lastEventTs, lastSeenMs, activeUploads, meanRttMs, uploadedBytes, downloadedBytes, cachedSegments,
        cachedBytes, heldSegments, demotedUntilMs, admissionToken, linkList);
  }

  /** From the stored record; links keep their order (oldest measurement first). */
  static PeerState from(TrackedPeer r) {
    Map<String, Double> links = new LinkedHashMap<>();
    for (PeerLink l : r.getLinks()) {
      links.put(l.getPeerId(), l.getRttMs());
    }
    return new PeerState(r.getPeerId(), r.getAnnounced(), r.getRegion(), r.getBaseUrl(), r.getUploadSlots(),
        r.getCacheCapacityBytes(), r.getJoinedTs(), r.getLastEventTs(), r.getLastSeenMs(), r.getActiveUploads(),
        r.getMeanRttMs(), r.getUploadedBytes(), r.getDownloadedBytes(), r.getCachedSegments(), r.getCachedBytes(),
        r.getHeldSegments(), links, r.getDemotedUntilMs(), r.getAdmissionToken());
  }
}
