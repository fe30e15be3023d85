package dev.hybridcdn.peer.upload;

import dev.hybridcdn.servicekit.http.WriteTimeout;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Sends a holder's uploads at its granted upload rate ({@code UPLINK_BITS_PER_SECOND}), urgent ones first:
 * the bodies are written in {@value #SLICE_BYTES}-byte slices, each released when the uplink has sent the
 * ones before it, and the next slice always comes from the oldest urgent upload under way, or, when there is
 * none, from the oldest background one ({@link UploadPriority}; first come first served within a class, the
 * order {@link UplinkBudget} books them in).
 *
 * <p>Why: written whole, every accepted upload enters the uplink at once and shares it with the others (TCP
 * flows under a fair queue), so the segment a player needs next crawls at a third of a thin uplink behind two
 * read-aheads, and its player is hedged to the edges. A client that paces its own uploads decides their order,
 * as BitTorrent clients do with their upload rate limit (libtorrent's rate limiter hands out an uplink's
 * quota in this way) and as RFC 9218 asks of a server (section 10: send the more urgent responses first).
 * An upload whose requester closed the connection stops taking the uplink at its next slice.
 *
 * <p>Rate 0 (unknown): nothing is paced, a body is written at once. Slices are views of the body, not copies.
 * Thread-safe: uploads arrive on any event loop; each one's writes run on its own request's context, in order.
 */
public final class UploadPacer {
  /** Bytes released at a time: the emulated network's chunk ({@code servicekit.network.Pipe}), 16 KiB. */
  static final int SLICE_BYTES = 16 * 1024;
  /**
   * How far ahead of the uplink slices are released, ns: timers fire to the millisecond, and a link left
   * idle between two slices would waste its rate. 2 ms, as the emulator books its chunks ahead.
   */
  private static final long LEAD_NS = 2_000_000;
  /**
   * How far behind the clock the uplink's account may fall, ns: a timer that fires late (an event loop busy
   * with other peers) leaves the uplink idle meanwhile, and that much of the time lost is made up by
   * releasing the next slices at once. 20 ms: three slices at 20 Mbit/s, a third of one at 2 Mbit/s.
   */
  private static final long CATCH_UP_NS = 20_000_000;

  private final Vertx vertx;
  private final double nsPerByte;
  private final Deque<Upload> urgent = new ArrayDeque<>();
  private final Deque<Upload> background = new ArrayDeque<>();
  /** When the uplink will have sent every slice released so far (nanoTime). */
  private long sentUntilNs;
  private boolean timerSet;

  /**
   * @param vertx the instance whose timers release the slices
   * @param bitsPerSecond the upload rate granted, bit/s; 0 = unknown (nothing paced)
   */
  public UploadPacer(Vertx vertx, long bitsPerSecond) {
    if (bitsPerSecond < 0) {
      throw new IllegalArgumentException("upload rate must be >= 0 bit/s: " + bitsPerSecond);
    }
    this.vertx = vertx;
    this.nsPerByte = bitsPerSecond == 0 ? 0 : 8e9 / bitsPerSecond;
  }

  /**
   * Ends the request's response with {@code body}, paced, under the write timeout (of the last slice: a reader
   * that takes nothing for it loses the connection). Headers set before stay; {@code Content-Length} is set
   * here. Call on the request's event loop.
   *
   * @return completes once the socket took the last byte; fails when the connection closed first
   */
  public Future<Void> send(HttpServerRequest request, Buffer body, UploadPriority priority,
      WriteTimeout writeTimeout) {
    if (nsPerByte == 0) {
      return writeTimeout.end(vertx, request, body);
    }
    request.response().putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length()));
    Upload upload = new Upload(request, body, vertx.getOrCreateContext(), writeTimeout);
    synchronized (this) {
      (priority == UploadPriority.BACKGROUND ? background : urgent).add(upload);
    }
    pump();
    return upload.done.future();
  }

  /** True when uploads are paced (a rate is granted). */
  public boolean paced() {
    return nsPerByte > 0;
  }

  /**
   * Gives an upload's slot back once the upload no longer holds it: paced, at once (queued, its bytes wait
   * within the backlog's bound, as they did when a write ended once the kernel took them); unpaced, once
   * {@code sent} completes (a requester that stops reading loses the connection, and so the slot, after the
   * write timeout).
   */
  public void releaseSlot(Future<?> sent, Runnable release) {
    if (paced()) {
      release.run();
    } else {
      sent.onComplete(ar -> release.run());
    }
  }

  /** Uploads under way or waiting for the uplink, of both classes. */
  public synchronized int active() {
    return urgent.size() + background.size();
  }

  /** Releases every slice the uplink can take now, and sets a timer for the next. */
  private void pump() {
    List<Runnable> writes = new ArrayList<>();
    synchronized (this) {
      long now = System.nanoTime();
      Upload next;
      while (sentUntilNs <= now + LEAD_NS && (next = next()) != null) {
        int from = next.offset;
        int to = Math.min(next.body.length(), from + SLICE_BYTES);
        next.offset = to;
        sentUntilNs = Math.max(now - CATCH_UP_NS, sentUntilNs) + (long) ((to - from) * nsPerByte);
        boolean last = to == next.body.length();
        if (last) {
          (urgent.peekFirst() == next ? urgent : background).pollFirst();
        }
        Upload u = next;
        writes.add(() -> u.write(from, to, last));
      }
      if (!timerSet && (!urgent.isEmpty() || !background.isEmpty())) {
        timerSet = true;
        long delayMs = Math.max(1, (sentUntilNs - LEAD_NS - now + 999_999) / 1_000_000);
        vertx.setTimer(delayMs, id -> {
          synchronized (this) {
            timerSet = false;
          }
          pump();
        });
      }
    }
    writes.forEach(Runnable::run);
  }

  /** The upload whose slice goes next: the oldest urgent one, else the oldest background one; null if none. */
  private Upload next() {
    Upload u = firstOpen(urgent);
    return u != null ? u : firstOpen(background);
  }

  /** The queue's oldest upload whose requester is still connected; the ones gone before it are dropped. */
  private static Upload firstOpen(Deque<Upload> queue) {
    while (!queue.isEmpty()) {
      Upload u = queue.peekFirst();
      if (!u.response.closed()) {
        return u;
      }
      queue.pollFirst(); // its requester went away: the uplink goes to the others
      u.context.runOnContext(v -> u.done.tryFail("connection closed before the upload ended"));
    }
    return null;
  }

  /** One upload under way: its body, how much of it is released, and where its writes run. */
  private static final class Upload {
    final HttpServerRequest request;
    final HttpServerResponse response;
    final Buffer body;
    final Context context;
    final WriteTimeout writeTimeout;
    final Promise<Void> done = Promise.promise();
    int offset;

    Upload(HttpServerRequest request, Buffer body, Context context, WriteTimeout writeTimeout) {
      this.request = request;
      this.response = request.response();
      this.body = body;
      this.context = context;
      this.writeTimeout = writeTimeout;
    }

    /** Writes bytes {@code [from, to)} of the body on the request's context; the last slice ends the answer. */
    void write(int from, int to, boolean last) {
      context.runOnContext(v -> {
        if (response.closed()) {
          done.tryFail("connection closed before the upload ended");
        } else if (last) {
          writeTimeout.end(context.owner(), request, body.slice(from, to)).onComplete(done);
        } else {
          response.write(body.slice(from, to));
        }
      });
    }
  }
}
