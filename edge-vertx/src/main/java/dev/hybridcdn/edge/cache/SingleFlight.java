package dev.hybridcdn.edge.cache;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Request coalescing ("single flight", as in Go's {@code singleflight} and nginx's
 * {@code proxy_cache_lock}): while work for a key is under way, every other caller for that key
 * joins it instead of starting its own, and all get the same result.
 *
 * <p>The work completes the result as early as it can (so the first responses go out at once) and
 * returns a second future, {@code settled}, completing when the key may be forgotten: for a
 * segment, when its bytes are written to the caches. Until then late callers still join the
 * finished flight, so there is no window in which a request misses both the flight and the
 * caches and goes to the origin a second time. Thread-safe: callers may be on any event loop;
 * results complete on the thread of the work, so callers hop back to their own context.
 *
 * @param <K> key, e.g. a segment id
 * @param <V> result
 */
public final class SingleFlight<K, V> {
  /** What a caller got: the shared result, and whether this caller started the work. */
  public record Joined<V>(Future<V> result, boolean leader) {}

  private final ConcurrentHashMap<K, Future<V>> inflight = new ConcurrentHashMap<>();

  /**
   * Joins the flight for {@code key}, starting it with {@code work} when none is under way.
   *
   * @param work receives the promise to complete with the result; returns the {@code settled}
   *     future after which the key is forgotten. A throw fails the flight.
   */
  public Joined<V> join(K key, Function<Promise<V>, Future<?>> work) {
    Promise<V> promise = Promise.promise();
    Future<V> mine = promise.future();
    Future<V> existing = inflight.putIfAbsent(key, mine);
    if (existing != null) {
      return new Joined<>(existing, false);
    }
    Future<?> settled;
    try {
      settled = work.apply(promise);
    } catch (RuntimeException e) {
      promise.tryFail(e);
      settled = Future.failedFuture(e);
    }
    settled.onComplete(ar -> {
      if (ar.failed()) {
        promise.tryFail(ar.cause());
      } else {
        promise.tryFail(new IllegalStateException("flight settled without a result"));
      }
      inflight.remove(key, mine);
    });
    return new Joined<>(mine, true);
  }

  /** Flights under way (or finished but not yet settled). */
  public int inflight() {
    return inflight.size();
  }
}
