package dev.hybridcdn.origin.http;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hybridcdn.origin.store.OriginStore;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Hot segments in memory: a Caffeine cache bounded by total segment bytes (W-TinyLFU eviction,
 * Caffeine's default). Concurrent misses of one segment share one PostgreSQL read (the cache holds
 * the pending future). Unknown segments and failed reads are not cached.
 */
public final class SegmentCache {
  /** Reads one segment from storage; empty when unknown. */
  @FunctionalInterface
  public interface Loader {
    Future<Optional<OriginStore.SegmentData>> load(Ids.SegmentId id);
  }

  /** Bytes charged per entry on top of the segment (key, hash, object headers). */
  static final long ENTRY_OVERHEAD_BYTES = 200;

  /** Outcome of one storage read; failures travel as values so the cache does not log them. */
  private record Loaded(OriginStore.SegmentData data, Throwable error) {}

  private final Loader loader;
  private final AsyncCache<String, Loaded> cache;

  /** @param maxBytes bound on cached segment bytes; 0 disables caching */
  public SegmentCache(OriginStore store, long maxBytes) {
    this(id -> store.segment(id.songId(), id.rendition(), id.file()), maxBytes);
  }

  /**
   * @param loader reads a segment on a miss
   * @param maxBytes bound on cached bytes (segment bytes plus {@value #ENTRY_OVERHEAD_BYTES} per
   *     entry); 0 disables caching
   */
  public SegmentCache(Loader loader, long maxBytes) {
    this.loader = loader;
    // Maintenance (eviction) on the calling thread: cheap, and no hop off the event loop.
    this.cache = maxBytes <= 0 ? null : Caffeine.newBuilder().executor(Runnable::run).maximumWeight(maxBytes)
        .weigher((String k, Loaded v) -> (int) Math.min(Integer.MAX_VALUE,
            (v.data() == null ? 0 : v.data().data().length()) + ENTRY_OVERHEAD_BYTES))
        .buildAsync();
  }

  /**
   * The segment, from memory or storage; empty when unknown; failed when storage failed (every
   * request waiting on that read gets the failure). Completes on {@code context}.
   */
  public Future<Optional<OriginStore.SegmentData>> get(Ids.SegmentId id, Context context) {
    if (cache == null) {
      return loader.load(id);
    }
    String key = id.toString();
    CompletableFuture<Loaded> cf = cache.get(key, (k, executor) -> loader.load(id)
        .map(o -> new Loaded(o.orElse(null), null))
        .otherwise(e -> new Loaded(null, e))
        .toCompletionStage().toCompletableFuture());
    return Future.fromCompletionStage(cf, context).compose(loaded -> {
      if (loaded.data() == null) {
        cache.asMap().remove(key, cf); // unknown or failed: ask storage again next time
      }
      return loaded.error() != null ? Future.failedFuture(loaded.error())
          : Future.succeededFuture(Optional.ofNullable(loaded.data()));
    });
  }

  /** Drops every cached segment of {@code songId} (after a re-ingest). */
  public void invalidateSong(String songId) {
    if (cache != null) {
      String prefix = songId + "/";
      cache.synchronous().asMap().keySet().removeIf(k -> k.startsWith(prefix));
    }
  }

  /** Cached segments (for tests and metrics); Caffeine's estimate, exact after {@link #cleanUp()}. */
  public long size() {
    return cache == null ? 0 : cache.synchronous().estimatedSize();
  }

  /** Runs pending evictions now (Caffeine does them asynchronously). */
  public void cleanUp() {
    if (cache != null) {
      cache.synchronous().cleanUp();
    }
  }
}
