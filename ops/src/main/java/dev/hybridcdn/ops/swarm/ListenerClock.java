package dev.hybridcdn.ops.swarm;

/**
 * What a listener hears of one song: a playhead that advances at {@code speedup} times real time
 * over the buffered media once the first segment is in, and stops (a stall) when it reaches the
 * end of the buffer before the next segment arrives. Times in ms of wall clock unless named media.
 */
final class ListenerClock {
  private final double speedup;
  private final long requestedNanos;
  private boolean started;
  private long lastNanos;
  private double playheadMediaMs;
  private double bufferEndMediaMs;
  private boolean stalled;
  private long stalledSinceNanos;
  private int stalls;
  private long stallNanos;
  private long startupNanos = -1;

  /** @param requestedNanos when the listener pressed play (the master playlist request) */
  ListenerClock(double speedup, long requestedNanos) {
    this.speedup = speedup;
    this.requestedNanos = requestedNanos;
  }

  private void advance(long now) {
    if (!started || stalled) {
      return;
    }
    double next = playheadMediaMs + (now - lastNanos) / 1e6 * speedup;
    if (next >= bufferEndMediaMs) {
      stalled = true;
      stalledSinceNanos = lastNanos + (long) ((bufferEndMediaMs - playheadMediaMs) / speedup * 1e6);
      playheadMediaMs = bufferEndMediaMs;
    } else {
      playheadMediaMs = next;
    }
    lastNanos = now;
  }

  /** A segment of {@code durationMs} of media arrived; the first one starts playback, one after a stall ends it. */
  void appended(long now, long durationMs) {
    advance(now);
    if (!started) {
      started = true;
      startupNanos = now - requestedNanos;
    } else if (stalled) {
      stalls++;
      stallNanos += now - stalledSinceNanos;
    }
    stalled = false;
    lastNanos = now;
    bufferEndMediaMs += durationMs;
  }

  /** Media buffered ahead of the playhead now, ms. */
  double aheadMediaMs(long now) {
    advance(now);
    return bufferEndMediaMs - playheadMediaMs;
  }

  /** Wall ms until the buffer is played out (0 when stalled or not started). */
  long drainMs(long now) {
    return started ? (long) Math.ceil(aheadMediaMs(now) / speedup) : 0;
  }

  int stalls() {
    return stalls;
  }

  double stallMs() {
    return stallNanos / 1e6;
  }

  /** From pressing play to the first segment, ms; -1 when nothing played. */
  double startupMs() {
    return startupNanos < 0 ? -1 : startupNanos / 1e6;
  }
}
