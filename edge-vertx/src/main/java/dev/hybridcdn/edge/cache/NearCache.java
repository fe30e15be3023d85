package dev.hybridcdn.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.hybridcdn.servicekit.files.TmpfsFiles;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The edge process's own copy of its hottest segments, in front of Redis: Redis "client-side
 * caching" done with a short TTL instead of invalidation messages. Bounded by bytes (Caffeine's
 * W-TinyLFU eviction, weighted by segment size) and by age: an entry lives {@code ttl} after it was
 * read from a tier, so a hot segment is read from Redis about once per {@code ttl} per edge (which
 * also renews its Redis TTL and recency) and a segment dropped from Redis stops being served from
 * here within {@code ttl}. A near-cache hit is reported as {@code HIT-MEMORY}: the bytes came from
 * memory, checked against the manifest when they entered the edge.
 *
 * <p>With a {@link TmpfsFiles} store ({@code EDGE_NEAR_CACHE_DIR}, {@code /dev/shm} by default) each
 * copy is a file on tmpfs, answered with {@code sendfile(2)}: no copy through the JVM per answer, as
 * nginx serves (issue 19 item 1). Without one, or when a file cannot be written (tmpfs full), the copy
 * is an off-heap buffer. Off when the budget is 0 ({@code EDGE_NEAR_CACHE_BYTES=0}): every hit then
 * reads Redis.
 */
public final class NearCache implements AutoCloseable {
  private final Cache<String, CachedSegment> cache;
  private final TmpfsFiles files;

  /**
   * @param budgetBytes bound on the bytes held; 0 turns the near cache off
   * @param ttl how long an entry is served after it was read from a tier
   * @param files where copies are kept as files, or null: in memory; closed by {@link #close()}
   */
  public NearCache(long budgetBytes, Duration ttl, TmpfsFiles files) {
    this.files = files;
    this.cache = budgetBytes <= 0 ? null : Caffeine.newBuilder()
        .maximumWeight(budgetBytes)
        .weigher((String id, CachedSegment s) -> s.size())
        .expireAfterWrite(ttl)
        // evictions on the caller's thread: letting a file go (close, unlink) costs microseconds, and
        // an evicted entry's reference is then given back before the next lookup
        .executor(Runnable::run)
        .removalListener((String id, CachedSegment s, RemovalCause cause) -> {
          if (s != null) {
            s.release(); // the cache's own reference: the file goes once no answer sends it
          }
        })
        .build();
  }

  /** An in-memory near cache. */
  public NearCache(long budgetBytes, Duration ttl) {
    this(budgetBytes, ttl, null);
  }

  /**
   * The segment, or null when absent, expired or the near cache is off. A segment in a file comes with
   * a reference to it taken for the caller, who must give it back ({@link CachedSegment#release}) once
   * the answer is sent; null also when the entry was evicted and its file let go meanwhile.
   */
  public CachedSegment get(String segmentId) {
    CachedSegment s = cache == null ? null : cache.getIfPresent(segmentId);
    return s == null || s.file() == null || s.file().retain() ? s : null;
  }

  public void put(CachedSegment segment) {
    if (cache == null) {
      return;
    }
    TmpfsFiles.SharedFile file = files == null ? null : files.write(segment.bytes());
    cache.put(segment.segmentId(), file != null
        ? CachedSegment.inFile(segment.segmentId(), file, segment.sha256())
        : new CachedSegment(segment.segmentId(), offHeap(segment.bytes()), segment.sha256()));
  }

  /**
   * One contiguous off-heap copy, made once per entry: a tier's buffer may be a slice or a
   * composite of network chunks, and a heap buffer is copied to a direct one on every socket write.
   * Written as it is, a direct buffer goes to the socket without a copy in the JVM. The memory is
   * a JDK direct ByteBuffer, freed by the garbage collector once the entry is evicted; the wrapper
   * is unreleasable so no write can free it under another.
   */
  static Buffer offHeap(Buffer bytes) {
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length());
    direct.put(bytes.getBytes()).flip();
    return BufferInternal.buffer(Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct)));
  }

  /** Drops the given segments (retired). */
  public void remove(java.util.Collection<String> segmentIds) {
    if (cache != null) {
      cache.invalidateAll(segmentIds);
    }
  }

  /** Bytes held now (approximate while evictions are pending). */
  public long bytesHeld() {
    return cache == null ? 0 : cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  /** Drops every entry and deletes the files' store. */
  @Override
  public void close() {
    if (cache != null) {
      cache.invalidateAll();
    }
    if (files != null) {
      files.close();
    }
  }
}
