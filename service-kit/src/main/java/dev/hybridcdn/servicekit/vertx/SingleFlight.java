package dev.hybridcdn.servicekit.vertx;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Request coalescing ("single flight", as in Go's {@code singleflight} and nginx's
 * {@code proxy_cache_lock}): while work for a key is under way, every other caller for that key
 * joins it instead of starting its own, and all get the same result. The edge coalesces origin
 * fetches of a segment or document; a peer coalesces fetches of a segment from peers and edges.
 *
 * <p>Two forms. {@link #run}: the key is forgotten when the result completes. {@link #join}: the
 * work completes the result as early as it can (so the first responses go out at once) and returns
 * a second future, {@code settled}, completing when the key may be forgotten: for a segment, when
 * its bytes are written to the caches. Until then late callers still join the finished flight, so
 * there is no window in which a request misses both the flight and the caches and fetches a
 * second time.
 *
 * <p>Thread-safe: callers may be on any event loop; results complete on the thread of the work, so
 * callers on other contexts hop back with {@link #onCallersContext}.
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

  /**
   * The result of the flight for {@code key}, starting {@code work} when none is under way. The key
   * is forgotten before callers see the result, so a caller reacting to it starts a fresh flight.
   * A throw of {@code work} fails the flight.
   */
  public Future<V> run(K key, Supplier<Future<V>> work) {
    Future<V> existing = inflight.get(key);
    if (existing != null) {
      return existing;
    }
    Promise<V> promise = Promise.promise();
    Future<V> mine = promise.future();
    existing = inflight.putIfAbsent(key, mine);
    if (existing != null) {
      return existing;
    }
    Future<V> result;
    try {
      result = work.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> {
      inflight.remove(key, mine);
      promise.handle(ar);
    });
    return mine;
  }

  /** True while a flight for {@code key} is under way (or finished but not yet settled). */
  public boolean isRunning(K key) {
    return inflight.containsKey(key);
  }

  /** Flights under way (or finished but not yet settled). */
  public int inflight() {
    return inflight.size();
  }

  /**
   * {@code shared} completing on the caller's own Vert.x context: a flight shared by requests on
   * several event loops completes on the thread of the one that started it. Without a context, or
   * when already complete, {@code shared} itself.
   */
  public static <T> Future<T> onCallersContext(Future<T> shared) {
    Context context = Vertx.currentContext();
    if (shared.isComplete() || context == null) {
      return shared;
    }
    Promise<T> mine = Promise.promise();
    shared.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        mine.handle(ar);
      } else {
        context.runOnContext(v -> mine.handle(ar));
      }
    });
    return mine.future();
  }
}
