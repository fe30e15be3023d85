package dev.hybridcdn.servicekit.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.FileRegion;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A no-progress write timeout for answers: if the client takes no byte of a response for
 * {@code timeoutMs} (the bytes still waiting for the socket do not shrink between two checks), the
 * connection is closed at once. A slow or stalled reader then cannot hold the response's memory,
 * the connection, or anything the server holds until the write completes (an upload slot), for as
 * long as it likes. Like nginx's {@code send_timeout}, this bounds the time between two successful
 * writes, not the whole transfer, so a large answer to a steady reader is never cut.
 */
public final class WriteTimeout {
  private static final Logger LOG = LoggerFactory.getLogger(WriteTimeout.class);

  private final long timeoutMs;
  private final Runnable slowReader;

  /**
   * @param timeoutMs longest time without progress, ms (also the check period); at least 1
   * @param slowReader told of each connection closed for it (a metric)
   * @throws IllegalArgumentException for a timeout below 1 ms
   */
  public WriteTimeout(long timeoutMs, Runnable slowReader) {
    if (timeoutMs < 1) {
      throw new IllegalArgumentException("write timeout must be at least 1 ms, got " + timeoutMs);
    }
    this.timeoutMs = timeoutMs;
    this.slowReader = slowReader;
  }

  public long timeoutMs() {
    return timeoutMs;
  }

  /**
   * Ends the response with {@code body} under the timeout.
   *
   * @return completes once the socket took the body; fails when the connection closed first (the
   *     timeout fired: {@link Stalled}; or the client went away)
   */
  public Future<Void> end(RoutingContext ctx, Buffer body) {
    return end(ctx.vertx(), ctx.request(), body);
  }

  /**
   * The same for a request answered without a router (a server's own request handler).
   *
   * @param vertx the instance whose timer checks the progress
   */
  public Future<Void> end(Vertx vertx, HttpServerRequest request, Buffer body) {
    return watch(vertx, request, request.response().end(body));
  }

  /**
   * Ends the response with {@code length} bytes of the open {@code file} from {@code offset}, sent by
   * the kernel ({@code sendfile(2)}, {@link HttpServerResponse#sendFile(FileChannel, long, long)}, which
   * leaves the channel open), under the timeout: the progress watched is the file region's bytes not
   * yet transferred.
   *
   * @return as {@link #end(Vertx, HttpServerRequest, Buffer)}; also fails when the channel cannot be read
   */
  public Future<Void> sendFile(Vertx vertx, HttpServerRequest request, FileChannel file, long offset, long length) {
    return watch(vertx, request, request.response().sendFile(file, offset, length));
  }

  /**
   * The same from a file Vert.x opens itself ({@link HttpServerResponse#sendFile(String, long, long)}):
   * an HTTP/2 answer, which Vert.x 5 cannot send from a channel ("HTTP/2 does not support sending
   * channel for now").
   */
  public Future<Void> sendFile(Vertx vertx, HttpServerRequest request, String file, long offset, long length) {
    return watch(vertx, request, request.response().sendFile(file, offset, length));
  }

  private Future<Void> watch(Vertx vertx, HttpServerRequest request, Future<Void> written) {
    if (written.isComplete()) {
      return written; // the common case: the socket took it all at once, no timer needed
    }
    // Settled by whichever comes first: the write, or the abort (a write failed by closing the
    // channel is not reported to every caller in time, and whoever holds a slot must know).
    Promise<Void> done = Promise.promise();
    written.onComplete(done);
    HttpConnection connection = request.connection();
    long[] pendingAtLastCheck = {-1};
    long timer = vertx.setPeriodic(timeoutMs, id -> {
      long pending = pendingBytes(connection);
      if (written.isComplete() || pending == 0) {
        vertx.cancelTimer(id);
      } else if (pending == pendingAtLastCheck[0]) {
        vertx.cancelTimer(id);
        slowReader.run();
        LOG.debug("closing {}: {} bytes of the answer to {} not taken in {} ms", connection.remoteAddress(), pending,
            request.path(), timeoutMs);
        abort(connection);
        done.tryFail(new Stalled(pending, timeoutMs));
      } else {
        pendingAtLastCheck[0] = pending;
      }
    });
    written.onComplete(ar -> vertx.cancelTimer(timer));
    return done.future();
  }

  /** The client took no byte of an answer for the timeout; its connection was closed. */
  public static final class Stalled extends RuntimeException {
    Stalled(long pendingBytes, long timeoutMs) {
      super(pendingBytes + " bytes not taken in " + timeoutMs + " ms", null, false, false);
    }
  }

  /**
   * Bytes written but not yet taken by the socket; a constant -2 when unknown (then the bound is on
   * the whole transfer). Netty counts a buffer as pending until all of it is written, so the part of
   * the buffer being written that the socket already took (its reader index) is subtracted.
   */
  private static long pendingBytes(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelOutboundBuffer buffer = base.channel().unsafe().outboundBuffer();
      if (buffer == null) {
        return 0;
      }
      Object current = buffer.current();
      // A file region (sendfile) counts for nothing in Netty's pending bytes: its progress is its own.
      long inRegion = current instanceof FileRegion f ? f.count() - f.transferred() : 0;
      return buffer.totalPendingWriteBytes() - (current instanceof ByteBuf b ? b.readerIndex() : 0) + inRegion;
    }
    return -2;
  }

  /**
   * Closes at once, dropping what the client has not taken. {@link HttpConnection#close()} is
   * graceful: it first waits for pending writes to drain, which a stalled reader never lets happen,
   * so the Netty channel is closed directly (pending writes fail) with {@code SO_LINGER 0}, so the
   * kernel's send buffer is dropped too (the client sees a reset).
   */
  private static void abort(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      base.channel().config().setOption(ChannelOption.SO_LINGER, 0);
      base.channel().close();
    } else {
      connection.close();
    }
  }
}
