package dev.hybridcdn.dashboard.feed;

import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.Tier;

/** Events with only the fields the dashboard reads set meaningfully. */
public final class Events {
  private Events() {}

  public static SegmentDelivered delivered(String peer, Tier tier, String source, long bytes) {
    return SegmentDelivered.newBuilder().setRequestId("r-" + System.nanoTime()).setPeerId(peer)
        .setSegmentId("demo/128k/seg00000.ts").setSongId("demo").setRendition("128k").setTier(tier).setSourceId(source)
        .setBytes(bytes).setLatencyMicros(1000).setHops(tier == Tier.LOCAL ? 0 : 1).setAttempts(1).setTs(1).build();
  }

  public static EdgeServed edge(String edge, EdgeResult result, long bytes) {
    return EdgeServed.newBuilder().setEdgeId(edge).setSegmentId("demo/128k/seg00000.ts").setCacheResult(result)
        .setBytes(bytes).setLatencyMicros(500).setTs(1).build();
  }

  public static PeerJoined joined(String peer) {
    return PeerJoined.newBuilder().setPeerId(peer).setRegion("eu-west").setBaseUrl("http://127.0.0.1:9000")
        .setUploadSlots(4).setCacheCapacityBytes(1 << 20).setTs(1).build();
  }

  public static PeerHeartbeat heartbeat(String peer, long uploaded) {
    return PeerHeartbeat.newBuilder().setPeerId(peer).setTs(1).setCachedSegments(0).setCachedBytes(0)
        .setActiveUploads(0).setUploadedBytes(uploaded).setDownloadedBytes(0).setMeanRttMs(null).build();
  }

  public static PeerLeft left(String peer) {
    return PeerLeft.newBuilder().setPeerId(peer).setTs(1).setReason("clean shutdown").build();
  }

  public static PeerExpired expired(String peer) {
    return PeerExpired.newBuilder().setPeerId(peer).setLastSeen(0).setTs(1).build();
  }
}
