package dev.hybridcdn.peer.cache;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * One segment held in memory.
 *
 * @param segmentId {@code <songId>/<rendition>/<file>}
 * @param bytes the segment's bytes (MPEG-TS), already verified against the manifest
 * @param sha256 lower-case hex SHA-256 of {@code bytes}
 */
public record CachedSegment(String segmentId, Buffer bytes, String sha256) {
  /**
   * A cache entry whose bytes live in one off-heap (direct) buffer: a response then goes to the
   * socket without the heap-to-direct copy Netty makes for every write of a heap buffer, which
   * roughly doubles the serving rate of a cached 160 KB segment (see {@code PeerBench rate}).
   * Cached bytes therefore do not count against the Java heap but against
   * {@code -XX:MaxDirectMemorySize} (default: the maximum heap size).
   */
  public static CachedSegment offHeap(String segmentId, Buffer bytes, String sha256) {
    // A JDK direct buffer is freed by the garbage collector once the entry and every response
    // writing it are gone; Netty's own direct buffers would need an explicit release on eviction,
    // racing with responses still being written.
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length());
    direct.put(((BufferInternal) bytes).getByteBuf().nioBuffer()).flip();
    ByteBuf wrapped = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
    return new CachedSegment(segmentId, BufferInternal.buffer(wrapped), sha256);
  }

  public int size() {
    return bytes.length();
  }
}
