package dev.hybridcdn.servicekit.vertx;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;

/**
 * Blocking waits on Vert.x futures for the start and stop paths of services ({@code start(config)}
 * returns a running service, {@code close()} returns a stopped one). Never call on an event loop.
 */
public final class Blocking {
  private Blocking() {}

  /**
   * Waits for {@code f} and returns its result.
   *
   * @param what what was being done, for the message, e.g. "origin could not start: PostgreSQL at x"
   * @throws IllegalStateException {@code "<what>: <cause>"} when the future failed, did not complete
   *     within {@code timeout}, or the thread was interrupted
   */
  public static <T> T await(Future<T> f, Duration timeout, String what) {
    try {
      return f.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + ": no answer within " + timeout.toMillis() + " ms", e);
    } catch (Exception e) { // Vert.x rethrows the failure as it is, checked or not
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(what + ": interrupted", e);
      }
      throw new IllegalStateException(what + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs a blocking {@code start} on a Vert.x instance of its own, which the started service then
   * owns (and closes in its {@code close()}); if {@code start} throws, the instance is closed here.
   */
  public static <T> T onOwnVertx(java.util.function.Function<io.vertx.core.Vertx, T> start) {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      return start.apply(vertx);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
  }

  /** Waits for {@code f} on a shutdown path: a failure or time-out is logged, never thrown. */
  public static void awaitQuietly(Future<?> f, Duration timeout, String what, Logger log) {
    try {
      f.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.warn("{} failed: {}", what, e.toString());
    }
  }
}
