package dev.hybridcdn.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback in front of a server, with the server's uplink limited: bytes from the
 * server to its clients pass through a token bucket of {@code bitsPerSecond} (burst 16 KiB), shared
 * by every connection, as a holder's upload link is. Requests go to the server unthrottled. It can
 * also stall: after {@link #stallAfter} response bytes it forwards nothing more while keeping every
 * connection open (a holder that hangs mid-transfer). Real sockets, plain threads, two per
 * connection; for tests and benchmarks only.
 */
public final class ThrottledLink implements AutoCloseable {
  private static final int BURST_BYTES = 16 * 1024;
  private static final int PIECE_BYTES = 4 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final double bytesPerNano;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile long stallAfter = Long.MAX_VALUE;
  private volatile boolean closed;
  // token bucket, guarded by this
  private double tokens = BURST_BYTES;
  private long lastRefill = System.nanoTime();

  /**
   * @param targetPort the server's port on 127.0.0.1
   * @param bitsPerSecond uplink limit, bit/s ({@code 5_000_000} = 5 Mbit/s)
   */
  public ThrottledLink(int targetPort, long bitsPerSecond) {
    try {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.bytesPerNano = bitsPerSecond / 8.0 / 1e9;
    Thread accept = new Thread(this::acceptLoop, "throttled-link-" + server.getLocalPort());
    accept.setDaemon(true);
    accept.start();
  }

  /** The port clients connect to instead of the server's. */
  public int port() {
    return server.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** From now on, forward at most {@code bytes} more response bytes, then hold every connection silent. */
  public void stallAfter(long bytes) {
    stallAfter = forwarded.get() + bytes;
  }

  /** Response bytes forwarded to clients so far. */
  public long forwardedBytes() {
    return forwarded.get();
  }

  /** Client connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        connections.incrementAndGet();
        Socket upstream = new Socket();
        upstream.connect(target, 2000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(upstream);
        start(() -> copy(client, upstream, false));
        start(() -> copy(upstream, client, true));
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private static void start(Runnable r) {
    Thread t = new Thread(r, "throttled-link-copy");
    t.setDaemon(true);
    t.start();
  }

  private void copy(Socket from, Socket to, boolean throttled) {
    byte[] buf = new byte[PIECE_BYTES];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (throttled) {
          while (forwarded.get() + n > stallAfter && !closed) {
            Thread.sleep(50); // stalled: hold the bytes, keep the connection
          }
          take(n);
          forwarded.addAndGet(n);
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // a side closed or reset: close the other
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** Waits until the bucket holds {@code n} bytes of tokens, then takes them. */
  private void take(int n) throws InterruptedException {
    while (true) {
      long waitNanos;
      synchronized (this) {
        long now = System.nanoTime();
        tokens = Math.min(BURST_BYTES, tokens + (now - lastRefill) * bytesPerNano);
        lastRefill = now;
        if (tokens >= n) {
          tokens -= n;
          return;
        }
        waitNanos = (long) ((n - tokens) / bytesPerNano);
      }
      Thread.sleep(Math.max(1, waitNanos / 1_000_000), 0);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    sockets.forEach(ThrottledLink::closeQuietly);
  }
}
