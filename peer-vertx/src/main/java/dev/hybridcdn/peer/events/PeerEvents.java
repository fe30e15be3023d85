package dev.hybridcdn.peer.events;

import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.schemas.events.HolderFault;
import dev.hybridcdn.schemas.events.HolderReported;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.SegmentEvicted;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.identity.NodeIdentity;

/**
 * The events one peer emits, all keyed by its peer id (so each peer's events stay in order) and
 * published through the host's shared {@link EventPublisher}: never blocking, bounded buffer,
 * overflow counted in {@code cdn_events_dropped_total}. Timestamps are epoch ms.
 */
public final class PeerEvents {
  private final EventPublisher publisher;
  private final String peerId;
  private final NodeIdentity identity;
  private volatile boolean muted;
  private volatile boolean cut;

  public PeerEvents(EventPublisher publisher, String peerId) {
    this(publisher, peerId, null);
  }

  /** @param identity signs every event once admitted (issue 16); null: unsigned */
  public PeerEvents(EventPublisher publisher, String peerId, NodeIdentity identity) {
    this.publisher = publisher;
    this.peerId = peerId;
    this.identity = identity;
  }

  /** After a crash-stop nothing more may come from this peer. */
  public void mute() {
    muted = true;
  }

  /**
   * While cut off (an emulated network partition), this peer's events reach nobody: they are dropped,
   * as a peer on the wrong side of a partition cannot report (its heartbeats stop).
   */
  public void cutOff(boolean cut) {
    this.cut = cut;
  }

  private void publish(CdnTopic topic, org.apache.avro.specific.SpecificRecord event) {
    if (!muted && !cut) {
      publisher.publish(topic, peerId, event, identity);
    }
  }

  /** PeerJoined on {@code cdn.peer-events}. */
  public void joined(PeerConfig config, String baseUrl) {
    publish(CdnTopic.PEER_EVENTS, PeerJoined.newBuilder().setPeerId(peerId).setRegion(config.region())
        .setBaseUrl(baseUrl).setUploadSlots(config.totalUploadSlots()).setCacheCapacityBytes(config.cacheBytes())
        .setTs(System.currentTimeMillis()).build());
  }

  /**
   * PeerHeartbeat on {@code cdn.peer-events}.
   *
   * @param uploadedBytes cumulative since start
   * @param downloadedBytes cumulative since start
   * @param meanRttMs mean smoothed RTT to measured neighbours (ms), or null
   */
  public void heartbeat(int cachedSegments, long cachedBytes, int activeUploads, long uploadedBytes,
      long downloadedBytes, Double meanRttMs) {
    publish(CdnTopic.PEER_EVENTS, PeerHeartbeat.newBuilder().setPeerId(peerId).setTs(System.currentTimeMillis())
        .setCachedSegments(cachedSegments).setCachedBytes(cachedBytes).setActiveUploads(activeUploads)
        .setUploadedBytes(uploadedBytes).setDownloadedBytes(downloadedBytes).setMeanRttMs(meanRttMs).build());
  }

  /** PeerLeft on {@code cdn.peer-events} (clean stop). */
  public void left(String reason) {
    publish(CdnTopic.PEER_EVENTS, PeerLeft.newBuilder().setPeerId(peerId).setTs(System.currentTimeMillis())
        .setReason(reason).build());
  }

  /** SegmentCached on {@code cdn.segment-events}. */
  public void cached(CachedSegment s) {
    publish(CdnTopic.SEGMENT_EVENTS, SegmentCached.newBuilder().setPeerId(peerId).setSegmentId(s.segmentId())
        .setBytes(s.size()).setSha256(s.sha256()).setTs(System.currentTimeMillis()).build());
  }

  /** SegmentEvicted on {@code cdn.segment-events}. */
  public void evicted(CachedSegment s) {
    publish(CdnTopic.SEGMENT_EVENTS, SegmentEvicted.newBuilder().setPeerId(peerId).setSegmentId(s.segmentId())
        .setBytes(s.size()).setSha256(s.sha256()).setTs(System.currentTimeMillis()).build());
  }

  /** LinkMeasured on {@code cdn.link-events}: the link's current moving average. */
  public void linkMeasured(Link link) {
    publish(CdnTopic.LINK_EVENTS, LinkMeasured.newBuilder().setFromId(peerId).setToId(link.id())
        .setToKind(link.kind() == Link.Kind.EDGE ? NodeKind.EDGE : NodeKind.PEER).setToRegion(link.region())
        .setRttMs(link.rttMs()).setSamples(link.samples()).setTs(System.currentTimeMillis()).build());
  }

  /**
   * HolderReported on {@code cdn.holder-reports}, keyed by the holder (issue 16): a holder the tracker
   * sent this peer to failed it; the tracker demotes a holder reported by several peers.
   */
  public void holderReported(String holderId, String segmentId, HolderFault reason) {
    if (!muted) {
      publisher.publish(CdnTopic.HOLDER_REPORTS, holderId, HolderReported.newBuilder().setReporterId(peerId)
          .setHolderId(holderId).setSegmentId(segmentId).setReason(reason).setTs(System.currentTimeMillis()).build(),
          identity);
    }
  }

  /**
   * SegmentDelivered on {@code cdn.delivery-events}, one per answered player request.
   *
   * @param latencyMicros from the request's arrival to the answer, microseconds
   * @param path node ids the bytes travelled, this peer first and the source last (issue 15)
   */
  public void delivered(String requestId, String segmentId, String songId, String rendition, Tier tier,
      String sourceId, long bytes, long latencyMicros, int hops, int attempts, java.util.List<String> path) {
    publish(CdnTopic.DELIVERY_EVENTS, SegmentDelivered.newBuilder().setRequestId(requestId).setPeerId(peerId)
        .setSegmentId(segmentId).setSongId(songId).setRendition(rendition).setTier(tier).setSourceId(sourceId)
        .setBytes(bytes).setLatencyMicros(latencyMicros).setHops(hops).setAttempts(attempts).setPath(path)
        .setTs(System.currentTimeMillis()).build());
  }
}
