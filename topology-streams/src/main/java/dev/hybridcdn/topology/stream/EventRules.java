package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.topology.TopologyConfig;

/**
 * What the topology accepts, from the event topics and from its own graph-changes topic alike. A
 * rejected record is dead-lettered, never stored.
 */
public final class EventRules {
  private EventRules() {}

  /** A record that decoded but must not reach the graph; the message says why. */
  public static final class RejectedEvent extends RuntimeException {
    public RejectedEvent(String message) {
      super(message, null, false, false);
    }
  }

  /** @throws RejectedEvent naming the first rule the measurement breaks ({@link #checkLink(String, String, NodeKind, String, double, int)}) */
  public static void checkLink(LinkMeasured link) {
    checkLink(link.getFromId(), link.getToId(), link.getToKind(), link.getToRegion(), link.getRttMs(),
        link.getSamples());
  }

  /**
   * A link measurement is stored only with valid node ids at both ends, no self-loop, an RTT that
   * is finite and from 0 to {@link TopologyConfig#MAX_RTT_MS} ms, at least one sample, a known
   * target kind and, when given, a valid target region.
   *
   * @throws RejectedEvent naming the first rule broken
   */
  public static void checkLink(String fromId, String toId, NodeKind toKind, String toRegion, double rttMs,
      int samples) {
    if (!Ids.isNodeId(fromId)) {
      throw new RejectedEvent("invalid fromId: " + clip(fromId));
    }
    if (!Ids.isNodeId(toId)) {
      throw new RejectedEvent("invalid toId: " + clip(toId));
    }
    if (fromId.equals(toId)) {
      throw new RejectedEvent("self-loop: " + fromId + " measured itself");
    }
    if (!Double.isFinite(rttMs) || rttMs < 0 || rttMs > TopologyConfig.MAX_RTT_MS) {
      throw new RejectedEvent("rttMs must be from 0 to " + (long) TopologyConfig.MAX_RTT_MS + " ms: " + rttMs);
    }
    if (samples < 1) {
      throw new RejectedEvent("samples must be at least 1: " + samples);
    }
    if (toKind == null) {
      throw new RejectedEvent("toKind missing");
    }
    if (toRegion != null && !Ids.isRegion(toRegion)) {
      throw new RejectedEvent("invalid toRegion: " + clip(toRegion));
    }
  }

  /** @throws RejectedEvent for an invalid peer id or region */
  public static void checkJoined(PeerJoined joined) {
    checkNode(joined.getPeerId(), joined.getRegion());
  }

  /** @throws RejectedEvent for an invalid peer id or region */
  public static void checkNode(String peerId, String region) {
    checkPeerId(peerId);
    if (!Ids.isRegion(region)) {
      throw new RejectedEvent("invalid region: " + clip(region));
    }
  }

  /** @throws RejectedEvent for an invalid peer id */
  public static void checkPeerId(String peerId) {
    if (!Ids.isNodeId(peerId)) {
      throw new RejectedEvent("invalid peerId: " + clip(peerId));
    }
  }

  /** At most 80 characters of untrusted text, for messages. */
  static String clip(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
