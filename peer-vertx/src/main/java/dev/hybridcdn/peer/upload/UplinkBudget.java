package dev.hybridcdn.peer.upload;

import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;

/**
 * A holder's uplink as its uploads book it: each accepted upload adds its bytes at the uplink's
 * rate to a backlog, and an upload that would finish more than {@code UPLOAD_QUEUE_MS} from now
 * behind the uploads sent before it (for an urgent one, the urgent ones: {@link UploadPacer} sends them
 * first) is refused (503 {@code uplink_busy}), so the requester asks another holder or
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
  /** When every upload booked has been sent (nanoTime). */
  private long busyUntilNs;
  /** When the urgent uploads booked have been sent: the uplink sends them first (nanoTime). */
  private long urgentUntilNs;
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
   * behind the uploads it waits for. The uplink sends urgent uploads first ({@link UploadPacer}), so an urgent
   * one waits only for the urgent ones booked before it, within {@code UPLOAD_QUEUE_MS}; a background one
   * waits for everything booked, within {@value #BACKGROUND_SHARE} of it (and for urgent ones booked after
   * it), so the rest stays free for the segments players need next. One that finds nothing to wait for is
   * always booked, however large.
   *
   * @param nowNs {@link System#nanoTime()}
   * @return 0 when booked; else how long until what it would wait for has drained, ns (&gt; 0: refused)
   */
  public synchronized long tryBook(long bytes, long nowNs, UploadPriority priority) {
    if (nsPerByte == 0) {
      return 0;
    }
    boolean urgent = priority == UploadPriority.URGENT;
    long start = Math.max(nowNs, urgent ? urgentUntilNs : busyUntilNs);
    long end = start + (long) (bytes * nsPerByte);
    long bound = urgent ? maxQueueNs : (long) (maxQueueNs * BACKGROUND_SHARE);
    if (start > nowNs && end - nowNs > bound) {
      refusals++;
      return start - nowNs;
    }
    add(bytes, nowNs, urgent);
    return 0;
  }

  /**
   * Books an upload of {@code bytes} that is sent whatever the backlog (a relay's answer: it has
   * fetched the segment for this requester already; sent as urgent), so the uploads after it queue behind it.
   *
   * @param nowNs {@link System#nanoTime()}
   */
  public synchronized void book(long bytes, long nowNs) {
    if (nsPerByte > 0) {
      add(bytes, nowNs, true);
    }
  }

  private void add(long bytes, long nowNs, boolean urgent) {
    long ns = (long) (bytes * nsPerByte);
    if (urgent) {
      urgentUntilNs = Math.max(nowNs, urgentUntilNs) + ns;
    }
    busyUntilNs = Math.max(nowNs, busyUntilNs) + ns;
  }

  /** Uploads refused since start. */
  public synchronized long refusals() {
    return refusals;
  }
}
