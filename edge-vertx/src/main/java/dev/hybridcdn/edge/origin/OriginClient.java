package dev.hybridcdn.edge.origin;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.edge.cache.DependencyState;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.KeepAlive;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * GETs from the origin ({@code ORIGIN_URL}), every request bounded by the origin timeout.
 * Transport failures become the error envelope: 503 {@code origin_unavailable} when the origin
 * refuses or drops the connection, 504 {@code origin_timeout} when it does not answer in time.
 * Any HTTP status is a successful answer here; callers decide what a 404 or 500 means.
 *
 * <p>Health-aware: one transport failure (a request's or {@code /health}'s ping) marks the origin
 * down ({@link DependencyState}); from then on every {@link #get} fails at once with 503
 * {@code origin_unavailable}, without a request and without waiting for a timeout, and a background
 * probe GETs the origin's {@code /ping} every {@code probe} interval (one at a time) until it
 * answers, which marks the origin up. So after an outage is noticed, no request waits on the origin
 * and recovery is noticed within one probe interval.
 */
public final class OriginClient {
  /**
   * One answer of the origin.
   *
   * @param etag the {@code ETag} value without quotes (a segment's SHA-256), or null
   */
  public record Answer(int status, String contentType, Buffer body, String etag) {}

  private final WebClient client;
  private final String baseUrl;
  private final long timeoutMs;
  private final DependencyState state;
  private final Vertx vertx;
  private final long probeTimer;
  private final long retryAfterSeconds;
  private final AtomicBoolean probing = new AtomicBoolean();

  /**
   * @param baseUrl e.g. {@code http://127.0.0.1:8081}, no trailing slash
   * @param timeout bound on one request: connect, headers and body
   * @param probe how often the origin's {@code /ping} is tried while it is known down
   * @param sourceAddress local address of the connections, empty: the OS picks
   * @param tls the CA an {@code https://} origin's certificate is checked against (besides the JVM's)
   */
  public OriginClient(Vertx vertx, String baseUrl, Duration timeout, Duration probe, String sourceAddress,
      TlsSettings tls) {
    this.vertx = vertx;
    this.state = new DependencyState("origin", probe.toMillis());
    this.retryAfterSeconds = Math.max(1, (probe.toMillis() + 999) / 1000);
    WebClientOptions options = tls.client(new WebClientOptions().setConnectTimeout((int) timeout.toMillis())
        .setTcpNoDelay(true).setUserAgent("hybrid-cdn-edge"));
    KeepAlive.client(options);
    if (!sourceAddress.isEmpty()) {
      options.setLocalAddress(sourceAddress);
    }
    this.client = WebClient.create(vertx, options, new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    this.baseUrl = baseUrl;
    this.timeoutMs = timeout.toMillis();
    this.probeTimer = vertx.setPeriodic(probe.toMillis(), id -> probe());
  }

  /** Seconds a client should wait before retrying an answer the origin's absence caused (Retry-After). */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public DependencyState state() {
    return state;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /**
   * GET {@code path} (absolute, already validated, e.g. {@code /songs/demo}).
   *
   * @return the answer, or a failed future holding an {@link ApiError} (503 or 504)
   */
  public Future<Answer> get(String path) {
    if (state.down()) {
      return Future.failedFuture(new ApiError(503, "origin_unavailable",
          "the origin is down; it is probed in the background, retry after " + retryAfterSeconds + " s",
          List.of(path, state.lastError())));
    }
    return send(path);
  }

  private Future<Answer> send(String path) {
    return client.getAbs(baseUrl + path).idleTimeout(timeoutMs).send()
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .<Answer>map(r -> new Answer(r.statusCode(), r.getHeader("Content-Type"),
            r.body() == null ? Buffer.buffer() : r.body(), unquoted(r.getHeader("ETag"))))
        .andThen(ar -> {
          if (ar.succeeded() && ar.result().status() < 500) {
            state.success();
          } else if (ar.failed()) {
            state.failure(ar.cause());
          }
        })
        .recover(e -> Future.failedFuture(translate(path, e)));
  }

  private static String unquoted(String etag) {
    return etag == null ? null : etag.replace("\"", "");
  }

  /** The origin's {@code /ping}, for {@code /health}; fails at once while the origin is known down. */
  public Future<String> ping() {
    return pong(get(CdnPaths.PING));
  }

  private static Future<String> pong(Future<Answer> ping) {
    return ping.compose(a -> a.status() == 200 ? Future.succeededFuture("ok")
        : Future.failedFuture("origin /ping answered " + a.status()));
  }

  static ApiError translate(String path, Throwable e) {
    if (e instanceof ApiError api) {
      return api;
    }
    if (isTimeout(e)) {
      return new ApiError(504, "origin_timeout", "the origin did not answer in time", List.of(path));
    }
    return new ApiError(503, "origin_unavailable", "the origin is unavailable: " + e.getClass().getSimpleName(),
        List.of(path, String.valueOf(e.getMessage())));
  }

  static boolean isTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return false;
      }
      if (t instanceof java.util.concurrent.TimeoutException || t.getClass().getSimpleName().contains("Timeout")
          || (t.getMessage() != null && t.getMessage().toLowerCase().contains("timed out"))) {
        return true;
      }
    }
    return false;
  }

  // Bypasses the gate of get(): the probe is what notices the origin's return.
  private void probe() {
    if (!state.down() || !probing.compareAndSet(false, true)) {
      return;
    }
    pong(send(CdnPaths.PING)).onComplete(ar -> probing.set(false));
  }

  public Future<Void> close() {
    vertx.cancelTimer(probeTimer);
    client.close();
    return Future.succeededFuture();
  }
}
