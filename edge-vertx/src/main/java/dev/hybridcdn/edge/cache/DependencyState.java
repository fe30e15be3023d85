package dev.hybridcdn.edge.cache;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a dependency (Redis, PostgreSQL, origin) answered lately. After a failure, requests skip
 * the dependency for {@code retryAfterMs} so they do not each pay its timeout; the first request
 * after that tries it again, and one success marks it up again. This is how the edge recovers
 * without restart. Logs each transition once. Thread-safe.
 *
 * <p>Redis and PostgreSQL are gated by {@link #usable()} (a request tries again after the pause).
 * The origin is gated by {@link #down()} instead: no request tries it while it is down, and a
 * background probe's success marks it up ({@link dev.hybridcdn.edge.origin.OriginClient}).
 */
public final class DependencyState {
  private static final Logger LOG = LoggerFactory.getLogger(DependencyState.class);

  private final String name;
  private final long retryAfterMs;
  private final AtomicBoolean down = new AtomicBoolean();
  private volatile long skipUntilMs;
  private volatile String lastError = "";

  /**
   * @param name dependency name as in {@code /health}, e.g. {@code redis}
   * @param retryAfterMs how long requests skip it after a failure, ms
   */
  public DependencyState(String name, long retryAfterMs) {
    this.name = name;
    this.retryAfterMs = retryAfterMs;
  }

  /** False while requests should skip the dependency (it failed less than retryAfterMs ago). */
  public boolean usable() {
    return !down.get() || System.currentTimeMillis() >= skipUntilMs;
  }

  /** True after a failure and until the next success. */
  public boolean down() {
    return down.get();
  }

  public String lastError() {
    return lastError;
  }

  public void success() {
    if (down.compareAndSet(true, false)) {
      LOG.info("{} is back", name);
    }
  }

  public void failure(Throwable e) {
    lastError = String.valueOf(e.getMessage() != null ? e.getMessage() : e.toString());
    skipUntilMs = System.currentTimeMillis() + retryAfterMs;
    if (down.compareAndSet(false, true)) {
      LOG.warn("{} is unavailable, serving without it: {}", name, lastError);
    }
  }
}
