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
  private final ShapedNetwork.LinkClock sender;
  private final ShapedNetwork.LinkClock receiver;
  private final long oneWayNs;
  private final long notBefore;
  private final double resetRate;
  private final SplittableRandom random;
  private final java.util.ArrayDeque<Object[]> queue = new java.util.ArrayDeque<>();
  private long pending;
  private long lastArrival;
  private boolean timerSet;
  private boolean paused;
  private boolean ended;
  private boolean closed;
  private final Runnable onFromClosed;
  private final ShapedNetwork network;

  Pipe(ShapedNetwork network, NetSocket from, NetSocket to, ShapedNetwork.LinkClock sender,
      ShapedNetwork.LinkClock receiver, long oneWayNs, long notBefore,
      double resetRate, SplittableRandom random, Runnable onFromClosed) {
    this.network = network;
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
      long now = System.nanoTime();
      long through = sender == null ? now : network.reserve(sender, receiver, chunk.length(), now);
      long arrival = Math.max(Math.max(through + oneWayNs, lastArrival), notBefore);
      lastArrival = arrival;
      queue.add(new Object[] {chunk, arrival});
      pending += chunk.length();
    }
    if (pending > HIGH_WATER && !paused) {
      paused = true;
      from.pause();
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
        network.resets.incrementAndGet();
        closed = true;
        queue.clear();
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
      if (ended) {
        closed = true;
        to.close();
      }
      return;
    }
    if (!timerSet) {
      timerSet = true;
      long delayMs = Math.max(1, ((long) queue.peek()[1] - now + 999_999) / 1_000_000);
      network.vertx.setTimer(delayMs, id -> {
        timerSet = false;
        flush();
      });
    }
  }
}
