package dev.hybridcdn.peer.fetch;

import java.util.HashMap;
import java.util.Map;

/**
 * Holders that sent bytes not matching the manifest's SHA-256: not asked again until their penalty
 * ends. Thread-safe; expired entries are dropped when looked at or when the table is pruned.
 */
public final class Penalties {
  private final long penaltyMs;
  private final Map<String, Long> until = new HashMap<>();

  /** @param penaltyMs how long a holder is skipped after bad bytes, ms */
  public Penalties(long penaltyMs) {
    this.penaltyMs = penaltyMs;
  }

  public synchronized void penalise(String peerId, long nowMs) {
    until.put(peerId, nowMs + penaltyMs);
    if (until.size() > 256) {
      until.values().removeIf(t -> t <= nowMs);
    }
  }

  /** Peers under penalty now, at most {@code max} (sent to the tracker as extra {@code exclude}s). */
  public synchronized java.util.List<String> active(long nowMs, int max) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (Map.Entry<String, Long> e : until.entrySet()) {
      if (e.getValue() > nowMs && out.size() < max) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  public synchronized boolean isPenalised(String peerId, long nowMs) {
    Long t = until.get(peerId);
    if (t == null) {
      return false;
    }
    if (t <= nowMs) {
      until.remove(peerId);
      return false;
    }
    return true;
  }
}
