package dev.hybridcdn.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.origin.store.OriginStore;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SegmentCacheTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static Ids.SegmentId id(int i) {
    return Ids.SegmentId.parse(String.format("demo/128k/seg%05d.ts", i)).orElseThrow();
  }

  private static OriginStore.SegmentData data(int bytes) {
    return new OriginStore.SegmentData(Buffer.buffer(new byte[bytes]), "h" + bytes);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void concurrentMissesOfOneSegmentShareOneStorageRead() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    List<Promise<Optional<OriginStore.SegmentData>>> pending = new ArrayList<>();
    SegmentCache cache = new SegmentCache(id -> {
      loads.incrementAndGet();
      Promise<Optional<OriginStore.SegmentData>> p = Promise.promise();
      pending.add(p);
      return p.future();
    }, 1_000_000);
    Future<Optional<OriginStore.SegmentData>> a = cache.get(id(1), context);
    Future<Optional<OriginStore.SegmentData>> b = cache.get(id(1), context);
    assertThat(loads).hasValue(1);
    pending.get(0).complete(Optional.of(data(1000)));
    assertThat(await(a)).contains(data(1000));
    assertThat(await(b)).contains(data(1000));
    assertThat(await(cache.get(id(1), context))).contains(data(1000));
    assertThat(loads).hasValue(1);
  }

  @Test
  void unknownSegmentsAndFailedReadsAreNotCached() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    SegmentCache cache = new SegmentCache(id -> {
      int n = loads.incrementAndGet();
      return n == 1 ? Future.succeededFuture(Optional.empty())
          : n == 2 ? Future.failedFuture(new IllegalStateException("down"))
          : Future.succeededFuture(Optional.of(data(10)));
    }, 1_000_000);
    assertThat(await(cache.get(id(2), context))).isEmpty();
    assertThat(cache.get(id(2), context).toCompletionStage().toCompletableFuture()).failsWithin(10, TimeUnit.SECONDS);
    assertThat(await(cache.get(id(2), context))).contains(data(10));
    assertThat(loads).hasValue(3);
  }

  @Test
  void theCacheStaysWithinItsByteBoundAndDropsARetiredSong() throws Exception {
    SegmentCache cache = new SegmentCache(id -> Future.succeededFuture(Optional.of(data(100_000))), 450_000);
    for (int i = 0; i < 20; i++) {
      await(cache.get(id(i), context));
    }
    cache.cleanUp();
    assertThat(cache.size()).isBetween(1L, 4L); // 4 x (100,000 + 200) bytes fit in 450,000
    cache.invalidateSong("demo");
    assertThat(cache.size()).isZero();
  }
}
