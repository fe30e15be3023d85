package dev.hybridcdn.peer.cache;

import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * Sends a cached segment as an HTTP answer, to a player or to another peer alike: {@code
 * Content-Type: video/mp2t}, {@code ETag} (the SHA-256), {@code Accept-Ranges: bytes}, and the
 * one byte range asked for ({@code Range: bytes=a-b}, {@code a-}, {@code -n}: 206 with {@code
 * Content-Range}); an unsatisfiable range gets 416; several ranges or a malformed header get the
 * whole segment (RFC 9110 section 14.2 allows ignoring Range).
 */
public final class SegmentResponse {
  private SegmentResponse() {}

  /** The request's {@code Range} header resolved against the segment's length. */
  public static ByteRange.Parsed range(RoutingContext ctx, CachedSegment seg) {
    return ByteRange.parse(ctx.request().getHeader("Range"), seg.size());
  }

  /**
   * Bytes an answer for {@code range} carries: the range's length, the whole segment, or -1 when
   * the range cannot be satisfied (416, no segment bytes sent).
   */
  public static long length(ByteRange.Parsed range, CachedSegment seg) {
    if (range instanceof ByteRange.Partial p) {
      return p.range().length();
    }
    return range instanceof ByteRange.Full ? seg.size() : -1;
  }

  /**
   * Writes the answer (headers set by the caller stay) under the write timeout: a client that takes
   * no byte for it loses the connection.
   *
   * @return completes once the bytes are written, with how many were (0 for a 416); fails when the
   *     connection closed first (write timeout, client gone)
   */
  public static Future<Long> send(RoutingContext ctx, CachedSegment seg, ByteRange.Parsed range,
      WriteTimeout writeTimeout) {
    return send(ctx, seg, range, body -> writeTimeout.end(ctx, body));
  }

  /**
   * The same, the body ended by {@code writer} (a holder's upload pacer: {@code upload.UploadPacer}).
   *
   * @param writer ends the response with the body it is given; its future as {@link WriteTimeout#end}'s
   */
  public static Future<Long> send(RoutingContext ctx, CachedSegment seg, ByteRange.Parsed range,
      Function<Buffer, Future<Void>> writer) {
    HttpServerResponse resp = ctx.response().putHeader("Content-Type", ContentTypes.SEGMENT)
        .putHeader("ETag", "\"" + seg.sha256() + "\"").putHeader("Accept-Ranges", "bytes");
    int len = seg.size();
    if (range instanceof ByteRange.Unsatisfiable) {
      resp.putHeader("Content-Range", "bytes */" + len);
      new ApiError(416, "range_not_satisfiable", "segment has " + len + " bytes").send(ctx);
      return Future.succeededFuture(0L);
    }
    if (range instanceof ByteRange.Partial p) {
      ByteRange r = p.range();
      resp.setStatusCode(206).putHeader("Content-Range", r.contentRange(len));
      return writer.apply(seg.bytes().slice((int) r.start(), (int) r.end() + 1)).map(r.length());
    }
    return writer.apply(seg.bytes()).map((long) len);
  }
}
