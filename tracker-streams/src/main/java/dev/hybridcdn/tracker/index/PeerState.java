package dev.hybridcdn.tracker.index;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

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
 */
public record PeerState(String peerId, boolean announced, String region, String baseUrl, int uploadSlots,
    long cacheCapacityBytes, long joinedTs, long lastEventTs, long lastSeenMs, int activeUploads, Double meanRttMs,
    long uploadedBytes, long downloadedBytes, int cachedSegments, long cachedBytes, int heldSegments,
    Map<String, Double> links) {

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
        links);
  }

  public PeerState withHeld(int held) {
    return new PeerState(peerId, announced, region, baseUrl, uploadSlots, cacheCapacityBytes, joinedTs, lastEventTs,
        lastSeenMs, activeUploads, meanRttMs, uploadedBytes, downloadedBytes, cachedSegments, cachedBytes, held,
        links);
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
        copy);
  }

  /** Compact binary serde (the value of {@link TrackerStores#PEERS} and the peer directory). */
  public static Serde<PeerState> serde() {
    return Serdes.serdeFrom(SERIALIZER, DESERIALIZER);
  }

  private static final byte VERSION = 1;

  private static final Serializer<PeerState> SERIALIZER = (topic, s) -> {
    if (s == null) {
      return null;
    }
    byte[] id = utf8(s.peerId);
    byte[] region = utf8(s.region);
    byte[] base = utf8(s.baseUrl);
    int size = 1 + 1 + 12 + len(id) + len(region) + len(base) + 4 + 8 * 4 + 4 + 1 + 8 + 8 * 2 + 4 + 8 + 4 + 4;
    byte[][] linkIds = new byte[s.links.size()][];
    int i = 0;
    for (String to : s.links.keySet()) {
      linkIds[i] = utf8(to);
      size += 4 + linkIds[i].length + 8;
      i++;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(VERSION).put((byte) (s.announced ? 1 : 0));
    putBytes(b, id);
    putBytes(b, region);
    putBytes(b, base);
    b.putInt(s.uploadSlots).putLong(s.cacheCapacityBytes).putLong(s.joinedTs).putLong(s.lastEventTs)
        .putLong(s.lastSeenMs).putInt(s.activeUploads);
    b.put((byte) (s.meanRttMs == null ? 0 : 1)).putDouble(s.meanRttMs == null ? 0 : s.meanRttMs);
    b.putLong(s.uploadedBytes).putLong(s.downloadedBytes).putInt(s.cachedSegments).putLong(s.cachedBytes)
        .putInt(s.heldSegments).putInt(s.links.size());
    i = 0;
    for (double rtt : s.links.values()) {
      putBytes(b, linkIds[i++]);
      b.putDouble(rtt);
    }
    return b.array();
  };

  private static final Deserializer<PeerState> DESERIALIZER = (topic, data) -> {
    if (data == null) {
      return null;
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(data);
      if (b.get() != VERSION) {
        throw new SerializationException("unknown PeerState version");
      }
      boolean announced = b.get() == 1;
      String id = getString(b);
      String region = getString(b);
      String base = getString(b);
      int slots = b.getInt();
      long capacity = b.getLong();
      long joined = b.getLong();
      long lastEvent = b.getLong();
      long lastSeen = b.getLong();
      int active = b.getInt();
      boolean hasRtt = b.get() == 1;
      double rtt = b.getDouble();
      long up = b.getLong();
      long down = b.getLong();
      int cachedSegments = b.getInt();
      long cachedBytes = b.getLong();
      int held = b.getInt();
      int n = b.getInt();
      Map<String, Double> links = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String to = getString(b);
        links.put(to, b.getDouble());
      }
      return new PeerState(id, announced, region, base, slots, capacity, joined, lastEvent, lastSeen, active,
          hasRtt ? rtt : null, up, down, cachedSegments, cachedBytes, held, links);
    } catch (RuntimeException e) {
      throw new SerializationException("corrupt PeerState", e);
    }
  };

  private static int len(byte[] b) {
    return b == null ? 0 : b.length;
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static void putBytes(ByteBuffer b, byte[] bytes) {
    if (bytes == null) {
      b.putInt(-1);
    } else {
      b.putInt(bytes.length).put(bytes);
    }
  }

  private static String getString(ByteBuffer b) {
    int n = b.getInt();
    if (n < 0) {
      return null;
    }
    byte[] bytes = new byte[n];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
