package dev.hybridcdn.edge.origin;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.edge.cache.DependencyState;
import dev.hybridcdn.servicekit.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * GETs from the origin ({@code ORIGIN_URL}), every request bounded by the origin timeout.
 * Transport failures become the error envelope: 503 {@code origin_unavailable} when the origin
 * refuses or drops the connection, 504 {@code origin_timeout} when it does not answer in time.
 * Any HTTP status is a successful answer here; callers decide what a 404 or 500 means.
 */
public final class OriginClient {
  /** One answer of the origin. */
  public record Answer(int status, String contentType, Buffer body) {}

  private final WebClient client;
  private final String baseUrl;
  private final long timeoutMs;
  private final DependencyState state = new DependencyState("origin", 1000);

  /**
   * @param baseUrl e.g. {@code http://127.0.0.1:8081}, no trailing slash
   * @param timeout bound on one request: connect, headers and body
   */
  public OriginClient(Vertx vertx, String baseUrl, Duration timeout) {
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout((int) timeout.toMillis())
        .setTcpNoDelay(true).setKeepAlive(true).setUserAgent("hybrid-cdn-edge"),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    this.baseUrl = baseUrl;
    this.timeoutMs = timeout.toMillis();
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
    return client.getAbs(baseUrl + path).idleTimeout(timeoutMs).send()
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .<Answer>map(r -> new Answer(r.statusCode(), r.getHeader("Content-Type"),
            r.body() == null ? Buffer.buffer() : r.body()))
        .andThen(ar -> {
          if (ar.succeeded() && ar.result().status() < 500) {
            state.success();
          } else if (ar.failed()) {
            state.failure(ar.cause());
          }
        })
        .recover(e -> Future.failedFuture(translate(path, e)));
  }

  /** The origin's {@code /ping}, for {@code /health}. */
  public Future<String> ping() {
    return get(CdnPaths.PING).compose(a -> a.status() == 200 ? Future.succeededFuture("ok")
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

  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }
}
