package dev.hybridcdn.topology.stream;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.topology.TopologyConfig;

/**
 * What the topology accepts from the event topics. A rejected event is dead-lettered, never stored.
 */
public final class EventRules {
  private EventRules() {}

  /** An event that decoded but must not reach the graph; the message says why. */
  public static final class RejectedEvent extends RuntimeException {
    public RejectedEvent(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A LinkMeasured is stored only with valid node ids at both ends, no self-loop, an RTT that is
   * finite and from 0 to {@link TopologyConfig#MAX_RTT_MS} ms, at least one sample, a known target
   * kind and, when given, a valid target region.
   *
   * @throws RejectedEvent naming the first rule broken
   */
  public static void checkLink(LinkMeasured link) {
    if (!Ids.isNodeId(link.getFromId())) {
      throw new RejectedEvent("invalid fromId: " + clip(link.getFromId()));
    }
    if (!Ids.isNodeId(link.getToId())) {
      throw new RejectedEvent("invalid toId: " + clip(link.getToId()));
    }
    if (link.getFromId().equals(link.getToId())) {
      throw new RejectedEvent("self-loop: " + link.getFromId() + " measured itself");
    }
    double rtt = link.getRttMs();
    if (!Double.isFinite(rtt) || rtt < 0 || rtt > TopologyConfig.MAX_RTT_MS) {
      throw new RejectedEvent("rttMs must be from 0 to " + (long) TopologyConfig.MAX_RTT_MS + " ms: " + rtt);
    }
    if (link.getSamples() < 1) {
      throw new RejectedEvent("samples must be at least 1: " + link.getSamples());
    }
    if (link.getToKind() == null) {
      throw new RejectedEvent("toKind missing");
    }
    if (link.getToRegion() != null && !Ids.isRegion(link.getToRegion())) {
      throw new RejectedEvent("invalid toRegion: " + clip(link.getToRegion()));
    }
  }

  /** @throws RejectedEvent for an invalid peer id or region */
  public static void checkJoined(PeerJoined joined) {
    checkPeerId(joined.getPeerId());
    if (!Ids.isRegion(joined.getRegion())) {
      throw new RejectedEvent("invalid region: " + clip(joined.getRegion()));
    }
  }

  /** @throws RejectedEvent for an invalid peer id */
  public static void checkPeerId(String peerId) {
    if (!Ids.isNodeId(peerId)) {
      throw new RejectedEvent("invalid peerId: " + clip(peerId));
    }
  }

  private static String clip(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
