package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.peer.upload.UploadPriority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Holders not to ask for a while, and sent to the tracker as extra {@code exclude}s meanwhile:
 * <ul>
 *   <li>a bad source (bytes not matching the manifest's SHA-256, or a body larger than the
 *       manifest's size) is penalised for {@code PENALTY_MS};</li>
 *   <li>a busy one (503: its upload slots full, or its uplink's backlog too long) is skipped for
 *       the {@code Retry-After} it sent, at least {@value #MIN_BUSY_MS} ms, with no strike: busy is
 *       not a failure, as a choked BitTorrent peer is not a bad one; a holder that refused a background
 *       request ({@link UploadPriority#BACKGROUND}) keeps room for urgent ones, so it is skipped by
 *       background requests only;</li>
 *   <li>an unavailable one (timeout, refused connection, any other 5xx) is demoted for
 *       {@code HOLDER_BACKOFF_MS}, doubled at each further failure
 *       (exponential back-off, as TCP's retransmission timer, RFC 6298 section 5.5), at most
 *       {@code PENALTY_MS}, and at least the {@code Retry-After} it sent. The count decays: a
 *       holder with no failure for {@code PENALTY_MS}, or one that served good bytes, starts over
 *       at one back-off.</li>
 * </ul>
 * Thread-safe; expired entries are dropped when looked at or when the table is pruned.
 */
public final class Penalties {
  /** Shortest skip of a busy holder, ms: {@code Retry-After} counts whole seconds. */
  static final long MIN_BUSY_MS = 1000;
  /** Entries kept before expired ones are pruned. */
  private static final int PRUNE_ABOVE = 256;

  private static final class Entry {
    long untilMs;
    /** Until when background requests skip it (it refused one), epoch ms. */
    long backgroundUntilMs;
    long lastFailureMs;
    int strikes;
  }

  private final long penaltyMs;
  private final long backoffMs;
  private final Map<String, Entry> entries = new HashMap<>();

  /**
   * @param penaltyMs how long a holder is skipped after bad bytes, ms; also the longest back-off
   * @param backoffMs how long a holder is skipped after its first failure, ms
   */
  public Penalties(long penaltyMs, long backoffMs) {
    this.penaltyMs = penaltyMs;
    this.backoffMs = backoffMs;
  }

  /** Bad bytes: skipped for {@code PENALTY_MS}. */
  public synchronized void penalise(String peerId, long nowMs) {
    Entry e = entries.computeIfAbsent(peerId, k -> new Entry());
    e.untilMs = Math.max(e.untilMs, nowMs + penaltyMs);
    e.lastFailureMs = nowMs;
    prune(nowMs);
  }

  /**
   * Unavailable (timeout, refused, 5xx): skipped for the back-off of its strike count.
   *
   * @param retryAfterMs the holder's own {@code Retry-After}, ms, or 0
   * @return how long the holder is now skipped, ms
   */
  public synchronized long demote(String peerId, long nowMs, long retryAfterMs) {
    Entry e = entries.computeIfAbsent(peerId, k -> new Entry());
    if (e.strikes > 0 && nowMs - e.lastFailureMs > penaltyMs) {
      e.strikes = 0; // decayed: a long-quiet holder is not judged by an old streak
    }
    long backoff = Math.min(penaltyMs, backoffMs << Math.min(e.strikes, 20));
    e.strikes++;
    e.lastFailureMs = nowMs;
    long skip = Math.max(backoff, Math.min(retryAfterMs, penaltyMs));
    e.untilMs = Math.max(e.untilMs, nowMs + skip);
    prune(nowMs);
    return skip;
  }

  /**
   * Busy (503 from its upload slots or its uplink): skipped for its {@code Retry-After}, at least
   * {@value #MIN_BUSY_MS} ms, at most {@code PENALTY_MS}, by requests of the refused one's priority and
   * lower (a background refusal leaves urgent requests free to ask); its failure streak is untouched.
   *
   * @param retryAfterMs the holder's own {@code Retry-After}, ms, or 0
   * @param priority what the refused request asked as
   * @return when the holder is asked again at that priority, epoch ms
   */
  public synchronized long busy(String peerId, long nowMs, long retryAfterMs, UploadPriority priority) {
    Entry e = entries.computeIfAbsent(peerId, k -> new Entry());
    long until = nowMs + Math.min(penaltyMs, Math.max(MIN_BUSY_MS, retryAfterMs));
    if (priority == UploadPriority.BACKGROUND) {
      e.backgroundUntilMs = Math.max(e.backgroundUntilMs, until);
    } else {
      e.untilMs = Math.max(e.untilMs, until);
    }
    prune(nowMs);
    return skippedUntil(e, priority);
  }

  /** Good bytes from the holder: its failure streak is forgotten (a running penalty stays). */
  public synchronized void served(String peerId) {
    Entry e = entries.get(peerId);
    if (e != null) {
      e.strikes = 0;
    }
  }

  /**
   * Peers a request of this priority skips now, at most {@code max} (sent to the tracker as extra
   * {@code exclude}s).
   */
  public synchronized List<String> active(long nowMs, int max, UploadPriority priority) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      if (skippedUntil(e.getValue(), priority) > nowMs && out.size() < max) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /** True when a request of this priority skips the holder now. */
  public synchronized boolean isPenalised(String peerId, long nowMs, UploadPriority priority) {
    Entry e = entries.get(peerId);
    return e != null && skippedUntil(e, priority) > nowMs;
  }

  private static long skippedUntil(Entry e, UploadPriority priority) {
    return priority == UploadPriority.BACKGROUND ? Math.max(e.untilMs, e.backgroundUntilMs) : e.untilMs;
  }

  private void prune(long nowMs) {
    if (entries.size() > PRUNE_ABOVE) {
      entries.values().removeIf(e -> Math.max(e.untilMs, e.backgroundUntilMs) <= nowMs
          && nowMs - e.lastFailureMs > penaltyMs);
    }
  }
}
