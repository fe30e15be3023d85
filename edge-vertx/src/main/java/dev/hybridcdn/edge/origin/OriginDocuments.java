package dev.hybridcdn.edge.origin;

import dev.hybridcdn.servicekit.vertx.SingleFlight;
import dev.hybridcdn.servicekit.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The song list, manifests and playlists the edge passes through from the origin, cached in the
 * edge's memory for {@code ttl}. Playlists are served byte for byte as the origin wrote them: their
 * segment URIs are absolute paths, so players come back to this edge for the segments.
 *
 * <p>Origin 200 answers are cached; a 404 is passed on and drops any cached copy (a retired song);
 * when the origin is down or answers 5xx, a cached copy is served however old it is
 * ("stale-if-error", RFC 5861), and without one the origin's failure is answered (502, 503, 504).
 * Concurrent misses of one path share one origin request.
 */
public final class OriginDocuments {
  private static final Logger LOG = LoggerFactory.getLogger(OriginDocuments.class);

  /**
   * A document as the origin answered it.
   *
   * @param fetchedAtMs epoch ms of the origin answer
   */
  public record Doc(int status, String contentType, Buffer body, long fetchedAtMs) {}

  private final OriginClient origin;
  private final long ttlMs;
  private final ConcurrentHashMap<String, Doc> cache = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Manifest> manifests = new ConcurrentHashMap<>();
  private final SingleFlight<String, Doc> flights = new SingleFlight<>();

  public OriginDocuments(OriginClient origin, Duration ttl) {
    this.origin = origin;
    this.ttlMs = ttl.toMillis();
  }

  /**
   * The document at {@code path} (validated by the caller).
   *
   * @return the origin's answer (any status below 500) or a cached 200; fails with {@link ApiError}
   *     502/503/504 when the origin cannot answer and nothing is cached
   */
  public Future<Doc> get(String path) {
    Doc cached = cache.get(path);
    if (cached != null && System.currentTimeMillis() - cached.fetchedAtMs() < ttlMs) {
      return Future.succeededFuture(cached);
    }
    Future<Doc> shared = flights.join(path, promise -> {
      Future<Doc> fetched = origin.get(path).compose(answer -> {
        Doc doc = new Doc(answer.status(), answer.contentType(), answer.body(), System.currentTimeMillis());
        if (answer.status() == 200) {
          cache.put(path, doc);
          manifests.remove(path);
          return Future.succeededFuture(doc);
        }
        if (answer.status() == 404) {
          cache.remove(path);
          manifests.remove(path);
          return Future.succeededFuture(doc);
        }
        if (answer.status() < 500) {
          return Future.succeededFuture(doc);
        }
        return Future.failedFuture(new ApiError(502, "origin_error", "the origin answered " + answer.status(),
            List.of(path)));
      }).recover(e -> {
        Doc stale = cache.get(path);
        if (stale != null) {
          LOG.warn("origin failed for {} ({}); serving the copy from {} ms ago", path, e.getMessage(),
              System.currentTimeMillis() - stale.fetchedAtMs());
          return Future.succeededFuture(stale);
        }
        return Future.failedFuture(e);
      });
      fetched.onComplete(promise);
      return fetched;
    }).result();
    return SingleFlight.onCallersContext(shared);
  }

  /** Drops the cached copy of {@code path}, so the next request asks the origin. */
  public void forget(String path) {
    cache.remove(path);
    manifests.remove(path);
  }

  /**
   * The parsed manifest of {@code songId} (validated by the caller).
   *
   * @return fails with {@link ApiError} 404 {@code unknown_song}, 502 when the origin's manifest
   *     cannot be parsed, or the origin's failure
   */
  public Future<Manifest> manifest(String songId) {
    String path = "/songs/" + songId;
    return get(path).compose(doc -> {
      if (doc.status() == 404) {
        return Future.failedFuture(ApiError.notFound("unknown_song", "no song " + songId));
      }
      if (doc.status() != 200) {
        return Future.failedFuture(new ApiError(502, "origin_error", "the origin answered " + doc.status()
            + " for the manifest", List.of(path)));
      }
      Manifest parsed = manifests.get(path);
      if (parsed == null) {
        try {
          parsed = Manifest.parse(doc.body().toJsonObject());
        } catch (RuntimeException e) {
          return Future.failedFuture(new ApiError(502, "bad_manifest", "the origin's manifest for " + songId
              + " cannot be read", List.of(String.valueOf(e.getMessage()))));
        }
        manifests.put(path, parsed);
      }
      return Future.succeededFuture(parsed);
    });
  }
}
