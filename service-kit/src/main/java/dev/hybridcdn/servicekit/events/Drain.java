package dev.hybridcdn.servicekit.events;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * How a background thread takes what event loops queue for it: in batches, and when there is
 * nothing, by sleeping {@value #IDLE_PARK_NANOS} ns rather than waiting on the queue. A consumer
 * blocked in {@link BlockingQueue#poll(long, java.util.concurrent.TimeUnit)} is woken by every
 * offer (an unpark: a futex call and a context switch on both sides); at 20,000 answers a second
 * that was over half of the edge's event threads' time (async-profiler, ops README "CPU per
 * answer"). An event waits here at most 2 ms, well under the producer's 20 ms linger.
 */
public final class Drain {
  /** Items taken at once. */
  public static final int BATCH = 256;
  /** Sleep of an idle consumer, ns. */
  public static final long IDLE_PARK_NANOS = 2_000_000;

  private Drain() {}

  /**
   * Moves up to {@value #BATCH} items from {@code queue} to {@code batch}; when there are none, sleeps
   * {@value #IDLE_PARK_NANOS} ns first (an interrupt cuts the sleep short).
   *
   * @return true when {@code batch} got items
   */
  public static <T> boolean next(BlockingQueue<T> queue, List<? super T> batch) {
    if (queue.drainTo(batch, BATCH) > 0) {
      return true;
    }
    LockSupport.parkNanos(IDLE_PARK_NANOS);
    return false;
  }
}
