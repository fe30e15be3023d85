package dev.hybridcdn.tracker.index;

import dev.hybridcdn.tracker.TrackerConfig;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the reaper may expire peers now: it may not while this instance's input has stopped
 * (no event from anyone for {@code TRACKER_INPUT_STALL_MS}: the broker is unreachable, the stream
 * thread is stuck, or the whole swarm went silent), nor for {@code TRACKER_REAP_GRACE_MS} after
 * events flow again, so that the heartbeats live peers buffered during the stall are processed
 * before anyone is judged silent. Without it a Kafka outage longer than the TTL expired every live
 * peer (issue 12, item 3).
 *
 * <p><b>One gate per instance, shared by its tasks</b> (every partition's reaper reads it). With few
 * peers, one partition can be quiet for longer than the TTL while the others are busy; a gate per
 * task would then never reap that partition's dead peer, whereas the instance as a whole hears
 * heartbeats every few hundred ms as long as anyone is alive. The price: an outage that silences
 * some partitions only (their leader's broker gone, the others up) is not seen as a stall; the
 * peers on those partitions are expired and come back through readmission (they re-announce on
 * their PeerExpired). Task moves keep the gate, since it belongs to the instance.
 *
 * <p><b>Edge case.</b> A swarm whose every peer died at once makes the instance's input stop too,
 * which looks like a stall: those peers are reaped once any event arrives again (plus the grace),
 * or, if none ever does, after {@code TRACKER_REAP_MAX_PAUSE_MS} (default max(10 x TTL, 60 s)) of silence.
 * A Kafka outage longer than that bound expires the swarm; its peers are readmitted when the broker
 * returns.
 *
 * <p>An instance starts in the stalled state's aftermath: its first events open a grace period, so
 * peers restored from the changelog with old {@code lastSeenMs} are not expired before they could
 * heartbeat. Times are the caller's wall clock (the processor context's, so TopologyTestDriver's
 * mock clock works), epoch ms. Thread-safe: one stream thread per task, several threads per instance.
 */
public final class ReapGate {
  private static final Logger LOG = LoggerFactory.getLogger(ReapGate.class);
  private static final long UNSET = Long.MIN_VALUE;

  /** What the reaper does now. */
  public enum State {
    /** Reaping: input flows (or the stall has outlasted the max pause). */
    ACTIVE,
    /** Paused: no event from anyone for the stall threshold. */
    INPUT_STALLED,
    /** Paused: input resumed less than the grace period ago. */
    GRACE;

    /** The name shown in {@code /stats} ({@code active}, {@code input-stalled}, {@code grace}). */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  private final long stallMs;
  private final long graceMs;
  private final long maxPauseMs;
  private long lastInputMs = UNSET;
  private long resumedAtMs = UNSET;
  private boolean boundLogged;

  /** From {@code TRACKER_INPUT_STALL_MS}, {@code TRACKER_REAP_GRACE_MS}, {@code TRACKER_REAP_MAX_PAUSE_MS}. */
  public ReapGate(TrackerConfig config) {
    this(config.inputStall(), config.reapGrace(), config.reapMaxPause());
  }

  /**
   * @param stall no input for this long is a stall
   * @param grace pause after input resumes from a stall
   * @param maxPause a stall longer than this stops pausing; zero for no bound
   */
  public ReapGate(Duration stall, Duration grace, Duration maxPause) {
    this.stallMs = stall.toMillis();
    this.graceMs = grace.toMillis();
    this.maxPauseMs = maxPause.toMillis();
  }

  /** An event was processed at {@code nowMs}; called for every input record, so it is cheap. */
  public synchronized void input(long nowMs) {
    if (lastInputMs == UNSET || nowMs - lastInputMs > stallMs) {
      if (lastInputMs != UNSET) {
        LOG.info("input resumed after {} ms without events; reaping paused for {} ms", nowMs - lastInputMs, graceMs);
      }
      resumedAtMs = nowMs;
      boundLogged = false;
    }
    if (nowMs > lastInputMs) {
      lastInputMs = nowMs;
    }
  }

  /** What the reaper may do at {@code nowMs}. */
  public synchronized State state(long nowMs) {
    if (lastInputMs == UNSET) {
      lastInputMs = nowMs; // started: silence counts from here
      resumedAtMs = nowMs;
    }
    long idle = nowMs - lastInputMs;
    if (idle > stallMs) {
      if (maxPauseMs > 0 && idle > maxPauseMs) {
        if (!boundLogged) {
          boundLogged = true;
          LOG.warn("no input for {} ms (> TRACKER_REAP_MAX_PAUSE_MS {} ms): reaping silent peers again", idle,
              maxPauseMs);
        }
        return State.ACTIVE;
      }
      return State.INPUT_STALLED;
    }
    return nowMs - resumedAtMs < graceMs ? State.GRACE : State.ACTIVE;
  }

  /** Milliseconds since the last input event at {@code nowMs} (0 before any). */
  public synchronized long idleMs(long nowMs) {
    return lastInputMs == UNSET ? 0 : Math.max(0, nowMs - lastInputMs);
  }
}
