package dev.hybridcdn.tracker.index;

import java.util.HashMap;
import java.util.Map;

/**
 * Per-peer token bucket of holding claims (SegmentCached), issue 16: {@code rate} claims per second
 * in the long run, bursts up to {@code burst}. One per peer processor (stream task), so it is
 * confined to its stream thread; kept in memory (a restart gives every peer a full bucket, which
 * errs on the side of taking claims).
 */
final class ClaimLimiter {
  private final double ratePerMs;
  private final double burst;
  private final Map<String, double[]> buckets = new HashMap<>(); // peer -> {tokens, last refill ms}

  ClaimLimiter(double ratePerSecond, int burst) {
    this.ratePerMs = ratePerSecond / 1000.0;
    this.burst = burst;
  }

  /** Takes one claim of {@code peerId} at {@code nowMs}; false when its bucket is empty. */
  boolean tryAcquire(String peerId, long nowMs) {
    double[] b = buckets.computeIfAbsent(peerId, id -> new double[] {burst, nowMs});
    b[0] = Math.min(burst, b[0] + Math.max(0, nowMs - b[1]) * ratePerMs);
    b[1] = nowMs;
    if (b[0] < 1) {
      return false;
    }
    b[0] -= 1;
    return true;
  }

  /** Drops a peer that left or expired. */
  void forget(String peerId) {
    buckets.remove(peerId);
  }
}
