package dev.hybridcdn.peer.upload;

import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;

/**
 * A holder's uplink as its uploads book it: each accepted upload adds its bytes at the uplink's
 * rate to a backlog, and an upload that would finish more than {@code UPLOAD_QUEUE_MS} from now
 * behind the others is refused (503 {@code uplink_busy}), so the requester asks another holder or
 * the edge at once instead of timing out on a share of a thin uplink. Upload slots
 * ({@link UploadSlots}) bound <em>who</em> is served; this bounds how many bytes wait.
 *
 * <p>Why: a server's write completes when the kernel (or, under the emulated network, the shaping
 * front) takes the bytes, long before a 2 Mbit/s uplink has sent them, so upload slots free at once
 * and a popular holder on a thin uplink accepts every request, each then crawling (a full
 * {@code cdn eval} counted 608 holder timeouts in one phase, and their requesters' players waited on
 * the hedge). The rate is what the peer's user grants uploads, as BitTorrent clients' upload rate
 * limit (libtorrent's {@code upload_rate_limit}, from which it also sizes its upload slots); unknown
 * (0), nothing is refused. The backlog is an estimate, not a measurement: bytes of an upload cut
 * short stay booked until the backlog drains.
 *
 * <p>Thread-safe.
 */
public final class UplinkBudget {
  /**
   * Share of {@code UPLOAD_QUEUE_MS} a background upload ({@link UploadPriority#BACKGROUND}) may fill: the
   * other half is kept for urgent ones.
   */
  static final double BACKGROUND_SHARE = 0.5;
  private final double nsPerByte;
  private final long maxQueueNs;
  private long busyUntilNs;
  private long refusals;

  /**
   * What a peer's uploads may use of its uplink.
   *
   * @param bitsPerSecond {@code UPLINK_BITS_PER_SECOND}, the upload rate granted, bit/s; 0 = unknown
   *     (no backlog kept, nothing refused); default 0
   * @param maxQueue {@code UPLOAD_QUEUE_MS}, the longest an accepted upload may wait behind the ones
   *     before it plus take itself, default 1000 ms (a player's hedge is 300 ms; a read-ahead from a
   *     holder waits about 1.5 s for a 240 KB segment)
   */
  public record Limit(long bitsPerSecond, Duration maxQueue) {
    public static final Duration DEFAULT_MAX_QUEUE = Duration.ofMillis(1000);
    /** No rate known: nothing refused. */
    public static final Limit NONE = new Limit(0, DEFAULT_MAX_QUEUE);

    public Limit {
      if (bitsPerSecond < 0) {
        throw new IllegalArgumentException("uplink rate must be >= 0 bit/s: " + bitsPerSecond);
      }
      if (maxQueue.isNegative() || maxQueue.isZero()) {
        throw new IllegalArgumentException("upload queue must be > 0 ms: " + maxQueue);
      }
    }

    /** {@code UPLINK_BITS_PER_SECOND} (0 to 100 Gbit/s) and {@code UPLOAD_QUEUE_MS} (1 ms to 1 min). */
    public static Limit from(Env env) {
      return new Limit(env.longValue("UPLINK_BITS_PER_SECOND", 0, 0, 100_000_000_000L),
          env.millis("UPLOAD_QUEUE_MS", DEFAULT_MAX_QUEUE, Duration.ofMillis(1), Duration.ofMinutes(1)));
    }

    /** The same queue bound at another rate, bit/s. */
    public Limit withRate(long newBitsPerSecond) {
      return new Limit(newBitsPerSecond, maxQueue);
    }
  }

  public UplinkBudget(Limit limit) {
    this.nsPerByte = limit.bitsPerSecond() == 0 ? 0 : 8e9 / limit.bitsPerSecond();
    this.maxQueueNs = limit.maxQueue().toNanos();
  }

  /**
   * Books an upload of {@code bytes} on the uplink, unless it would end more than the queue bound from now
   * behind a backlog: {@code UPLOAD_QUEUE_MS} for an urgent one, {@value #BACKGROUND_SHARE} of it for a
   * background one, so the rest stays free for the segments players need next. One that finds no backlog is
   * always booked, however large.
   *
   * @param nowNs {@link System#nanoTime()}
   * @return 0 when booked; else how long until the backlog has drained, ns (&gt; 0: refused)
   */
  public synchronized long tryBook(long bytes, long nowNs, UploadPriority priority) {
    if (nsPerByte == 0) {
      return 0;
    }
    long start = Math.max(nowNs, busyUntilNs);
    long end = start + (long) (bytes * nsPerByte);
    long bound = priority == UploadPriority.BACKGROUND ? (long) (maxQueueNs * BACKGROUND_SHARE) : maxQueueNs;
    if (start > nowNs && end - nowNs > bound) {
      refusals++;
      return start - nowNs;
    }
    busyUntilNs = end;
    return 0;
  }

  /**
   * Books an upload of {@code bytes} that is sent whatever the backlog (a relay's answer: it has
   * fetched the segment for this requester already), so the uploads after it queue behind it.
   *
   * @param nowNs {@link System#nanoTime()}
   */
  public synchronized void book(long bytes, long nowNs) {
    if (nsPerByte > 0) {
      busyUntilNs = Math.max(nowNs, busyUntilNs) + (long) (bytes * nsPerByte);
    }
  }

  /** Uploads refused since start. */
  public synchronized long refusals() {
    return refusals;
  }
}
