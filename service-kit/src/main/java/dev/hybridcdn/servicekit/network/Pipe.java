package dev.hybridcdn.servicekit.network;

import io.vertx.core.net.NetSocket;
import java.util.SplittableRandom;

/** One direction of a proxied connection: chunks leave {@code from}, are delayed, reach {@code to}. */
final class Pipe {
  private static final int CHUNK = 16 * 1024;
  private static final long HIGH_WATER = 128 * 1024;
  private static final long LOW_WATER = 32 * 1024;

  private final NetSocket from;
  private final NetSocket to;
  private final LocalFronts.LinkClock sender;
  private final LocalFronts.LinkClock receiver;
  private final long oneWayNs;
  private final long notBefore;
  private final double resetRate;
  private final SplittableRandom random;
  /** A chunk is booked on the links this long before this connection's previous one is through. */
  private static final long BOOK_AHEAD_NS = 2_000_000;

  /** Chunks received and not yet booked on the links. */
  private final java.util.ArrayDeque<io.vertx.core.buffer.Buffer> waiting = new java.util.ArrayDeque<>();
  /** Booked chunks with their arrival time (nanoTime), delivered by {@link #flush}. */
  private final java.util.ArrayDeque<Object[]> queue = new java.util.ArrayDeque<>();
  private long bookedUntil;
  private boolean bookTimerSet;
  private long pending;
  private long lastArrival;
  private boolean timerSet;
  private boolean paused;
  private boolean ended;
  private boolean closed;
  private final Runnable onFromClosed;
  private final LocalFronts fronts;

  Pipe(LocalFronts fronts, NetSocket from, NetSocket to, LocalFronts.LinkClock sender,
      LocalFronts.LinkClock receiver, long oneWayNs, long notBefore,
      double resetRate, SplittableRandom random, Runnable onFromClosed) {
    this.fronts = fronts;
    this.onFromClosed = onFromClosed;
    this.from = from;
    this.to = to;
    this.sender = sender;
    this.receiver = receiver;
    this.oneWayNs = oneWayNs;
    this.notBefore = notBefore;
    this.resetRate = resetRate;
    this.random = random;
  }

  void start() {
    from.handler(this::onData);
    from.endHandler(v -> {
      ended = true;
      flush();
    });
    from.closeHandler(v -> {
      if (onFromClosed != null) {
        onFromClosed.run();
      }
      ended = true;
      flush();
    });
    from.exceptionHandler(e -> to.close());
    from.resume();
  }

  private void onData(io.vertx.core.buffer.Buffer data) {
    if (closed) {
      return;
    }
    for (int off = 0; off < data.length(); off += CHUNK) {
      io.vertx.core.buffer.Buffer chunk = data.getBuffer(off, Math.min(data.length(), off + CHUNK));
      waiting.add(chunk);
      pending += chunk.length();
    }
    if (pending > HIGH_WATER && !paused) {
      paused = true;
      from.pause();
    }
    book();
  }

  /**
   * Books the waiting chunks on the sender's uplink and the receiver's downlink, one at a time: the
   * next only once this connection's previous chunk is through the links (within {@link
   * #BOOK_AHEAD_NS}). So a link's concurrent connections take turns chunk by chunk, as flows do under a
   * fair queue, and a new connection's first bytes (a peer's own request to an edge) wait behind at most
   * one chunk of each other upload, not behind everything the others have buffered.
   */
  private void book() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    while (!waiting.isEmpty() && bookedUntil <= now + BOOK_AHEAD_NS) {
      io.vertx.core.buffer.Buffer chunk = waiting.poll();
      long through = sender == null ? now : fronts.reserve(sender, receiver, chunk.length(), now);
      bookedUntil = through;
      long arrival = Math.max(Math.max(through + oneWayNs, lastArrival), notBefore);
      lastArrival = arrival;
      queue.add(new Object[] {chunk, arrival});
    }
    if (!waiting.isEmpty() && !bookTimerSet) {
      bookTimerSet = true;
      long delayMs = Math.max(1, (bookedUntil - BOOK_AHEAD_NS - now + 999_999) / 1_000_000);
      fronts.vertx.setTimer(delayMs, id -> {
        bookTimerSet = false;
        book();
      });
    }
    flush();
  }

  private void flush() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    while (!queue.isEmpty() && (long) queue.peek()[1] <= now + 500_000) {
      io.vertx.core.buffer.Buffer chunk = (io.vertx.core.buffer.Buffer) queue.poll()[0];
      pending -= chunk.length();
      to.write(chunk);
      if (resetRate > 0 && random.nextDouble() < resetRate) {
        fronts.resets.incrementAndGet();
        closed = true;
        queue.clear();
        waiting.clear();
        to.close();
        from.close();
        return;
      }
    }
    if (paused && pending < LOW_WATER) {
      paused = false;
      from.resume();
    }
    if (queue.isEmpty()) {
      if (ended && waiting.isEmpty()) {
        closed = true;
        to.close();
      }
      return;
    }
    if (!timerSet) {
      timerSet = true;
      long delayMs = Math.max(1, ((long) queue.peek()[1] - now + 999_999) / 1_000_000);
      fronts.vertx.setTimer(delayMs, id -> {
        timerSet = false;
        flush();
      });
    }
  }
}
