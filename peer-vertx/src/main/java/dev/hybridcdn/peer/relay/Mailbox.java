package dev.hybridcdn.peer.relay;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The relay's side of the peers behind NAT attached to it. A NAT'd peer accepts no inbound
 * connection, so it keeps a long poll open to its relay ({@code GET /relay/attach}); a request for
 * one of its segments answers that poll with the segment id, and the NAT'd peer pushes the bytes on
 * a new outbound request ({@code PUT /relay/deliver/{segmentId}}). Concurrent requests for one
 * segment of one holder share one push. Thread-safe (one lock; every operation is a few map steps).
 */
public final class Mailbox {
  /** How long an attachment counts after its last poll, ms: a poll is re-opened at once after each answer. */
  static final long ATTACHED_FOR_MS = 30_000;

  private final Vertx vertx;
  private final Map<String, Deque<Promise<String>>> polls = new HashMap<>();
  private final Map<String, Deque<String>> queued = new HashMap<>();
  private final Map<String, Promise<Buffer>> waiting = new HashMap<>();
  private final Map<String, Long> lastPoll = new HashMap<>();

  public Mailbox(Vertx vertx) {
    this.vertx = vertx;
  }

  /** True when the peer polled within {@value #ATTACHED_FOR_MS} ms (its segments can be asked for here). */
  public synchronized boolean attached(String holderId) {
    Long at = lastPoll.get(holderId);
    return at != null && System.currentTimeMillis() - at < ATTACHED_FOR_MS;
  }

  /** NAT'd peers attached now. */
  public synchronized int attachedCount() {
    long now = System.currentTimeMillis();
    return (int) lastPoll.values().stream().filter(at -> now - at < ATTACHED_FOR_MS).count();
  }

  /**
   * Asks the attached holder for a segment.
   *
   * @return the pushed bytes (unverified: the caller checks the SHA-256); fails after {@code timeoutMs}
   */
  public Future<Buffer> request(String holderId, String segmentId, long timeoutMs) {
    String key = holderId + "|" + segmentId;
    Promise<Buffer> p;
    Promise<String> poll = null;
    synchronized (this) {
      Promise<Buffer> existing = waiting.get(key);
      if (existing != null) {
        return existing.future();
      }
      p = Promise.promise();
      waiting.put(key, p);
      Deque<Promise<String>> open = polls.get(holderId);
      if (open != null && !open.isEmpty()) {
        poll = open.poll();
      } else {
        queued.computeIfAbsent(holderId, k -> new ArrayDeque<>()).add(segmentId);
      }
    }
    if (poll != null) {
      poll.tryComplete(segmentId);
    }
    long timer = vertx.setTimer(Math.max(1, timeoutMs), t -> {
      synchronized (this) {
        waiting.remove(key, p);
        Deque<String> q = queued.get(holderId);
        if (q != null) {
          q.remove(segmentId);
        }
      }
      p.tryFail(new java.util.concurrent.TimeoutException(holderId + " pushed no " + segmentId + " within "
          + timeoutMs + " ms"));
    });
    return p.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  /**
   * A poll of the attached holder: completes with the next segment id asked of it, or with null
   * after {@code holdMs} (the holder polls again).
   */
  public Future<String> poll(String holderId, long holdMs) {
    Promise<String> p = Promise.promise();
    synchronized (this) {
      lastPoll.put(holderId, System.currentTimeMillis());
      Deque<String> q = queued.get(holderId);
      if (q != null && !q.isEmpty()) {
        return Future.succeededFuture(q.poll());
      }
      polls.computeIfAbsent(holderId, k -> new ArrayDeque<>()).add(p);
    }
    long timer = vertx.setTimer(holdMs, t -> {
      synchronized (this) {
        Deque<Promise<String>> open = polls.get(holderId);
        if (open != null) {
          open.remove(p);
        }
      }
      p.tryComplete(null);
    });
    return p.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  /** True while a request waits for this segment from this holder. */
  public synchronized boolean waits(String holderId, String segmentId) {
    return waiting.containsKey(holderId + "|" + segmentId);
  }

  /**
   * The holder's push.
   *
   * @return false when nobody waits for it (not asked, or asked too long ago): nothing unsolicited is taken
   */
  public boolean deliver(String holderId, String segmentId, Buffer bytes) {
    Promise<Buffer> p;
    synchronized (this) {
      p = waiting.remove(holderId + "|" + segmentId);
    }
    return p != null && p.tryComplete(bytes);
  }

  /** The holder says it no longer holds the segment: waiting requests fail at once. */
  public boolean missing(String holderId, String segmentId) {
    Promise<Buffer> p;
    synchronized (this) {
      p = waiting.remove(holderId + "|" + segmentId);
    }
    return p != null && p.tryFail(holderId + " no longer holds " + segmentId);
  }
}
