package dev.hybridcdn.tracker.index;

/**
 * Which reported RTTs the tracker believes (issue 16): finite, not negative, at most
 * {@link #MAX_RTT_MS}. A peer's own mean RTT ranks it when no measured link is known, so NaN (which
 * sorts as 0) or a negative value would put a liar first for every requester.
 */
final class RttBounds {
  /** 60 s: no answer a peer waits for takes longer; more is a broken clock or a lie. */
  static final double MAX_RTT_MS = 60_000;

  private RttBounds() {}

  static boolean valid(double rttMs) {
    return Double.isFinite(rttMs) && rttMs >= 0 && rttMs <= MAX_RTT_MS;
  }
}
