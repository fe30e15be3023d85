package dev.hybridcdn.edge.origin;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.vertx.SingleFlight;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The song list, manifests and playlists the edge passes through from the origin, kept in the
 * edge's memory ({@link DocumentCache}, bounded by count and bytes) and served fresh for {@code ttl}.
 * Playlists are served byte for byte as the origin wrote them: their segment URIs are absolute
 * paths, so players come back to this edge for the segments.
 *
 * <p>Origin 200 answers are kept; a 404 is passed on and drops any kept copy (a retired song). When
 * the origin is down (known down: answered at once, see {@link OriginClient}), times out or answers
 * 5xx, a kept copy at most {@code staleIfError} old is served stale ("stale-if-error", RFC 5861,
 * {@link Freshness#STALE}); without one the origin's failure is answered: 503
 * {@code origin_unavailable}, 504 {@code origin_timeout} or 502 {@code origin_error}, never a 404.
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

  /** Where an answer came from; the edge's {@code X-Cache} value for documents. */
  public enum Freshness {
    /** Just fetched from the origin. */
    MISS,
    /** A kept copy younger than the TTL. */
    HIT,
    /** A kept copy past the TTL, served because the origin could not answer. */
    STALE
  }

  /** A document and how fresh it is. */
  public record Served(Doc doc, Freshness freshness) {
    /** Whole seconds since the origin sent it (the HTTP {@code Age} header). */
    public long ageSeconds() {
      return Math.max(0, System.currentTimeMillis() - doc.fetchedAtMs()) / 1000;
    }
  }

  private final OriginClient origin;
  private final long ttlMs;
  private final long staleIfErrorMs;
  private final DocumentCache cache;
  /** Song id (or {@code /songs}, the list) -> when its newest SongPublished was received, epoch ms. */
  private final java.util.concurrent.ConcurrentHashMap<String, Long> publishedAt =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final SingleFlight<String, Served> flights = new SingleFlight<>();
  private final Counter staleServed;
  private final String cacheControl;

  /**
   * @param ttl how long a copy is served without asking the origin
   * @param staleIfError how old a copy may be to be served while the origin cannot answer
   * @param maxEntries copies kept at most ({@code EDGE_DOCUMENT_CACHE_ENTRIES})
   * @param maxBytes body bytes kept at most ({@code EDGE_DOCUMENT_CACHE_BYTES})
   * @param metrics where {@code cdn_edge_documents_stale_total} and {@code cdn_edge_documents_kept_bytes} go
   */
  public OriginDocuments(OriginClient origin, Duration ttl, Duration staleIfError, int maxEntries, long maxBytes,
      MeterRegistry metrics) {
    this.origin = origin;
    this.ttlMs = ttl.toMillis();
    this.staleIfErrorMs = staleIfError.toMillis();
    this.cache = new DocumentCache(maxEntries, maxBytes);
    this.staleServed = Counter.builder("cdn.edge.documents.stale")
        .description("song lists, manifests and playlists served stale while the origin could not answer")
        .register(metrics);
    Gauge.builder("cdn.edge.documents.kept.bytes", cache, DocumentCache::bytes)
        .description("body bytes of the kept song lists, manifests and playlists").register(metrics);
    long ttlSeconds = ttl.toSeconds();
    this.cacheControl = "public, max-age=" + ttlSeconds + ", stale-while-revalidate=" + ttlSeconds
        + ", stale-if-error=" + staleIfError.toSeconds();
  }

  /**
   * The {@code Cache-Control} of a 200 document answer: fresh for the TTL, then usable by a
   * downstream cache while it revalidates (one more TTL) or while the edge fails (the stale-if-error
   * bound), RFC 5861. A stale answer carries the same header with an {@code Age} past
   * {@code max-age}, which makes it stale to any cache (RFC 9111 section 4.2.3).
   */
  public String cacheControl() {
    return cacheControl;
  }

  /**
   * The document at {@code path} (validated by the caller).
   *
   * @return the origin's answer (any status below 500), a kept 200 copy fresh or stale; fails with
   *     {@link ApiError} 502/503/504 when the origin cannot answer and no copy young enough is kept
   */
  public Future<Served> get(String path) {
    DocumentCache.Entry kept = cache.get(path);
    if (kept != null && System.currentTimeMillis() - kept.doc.fetchedAtMs() < ttlMs) {
      return Future.succeededFuture(new Served(kept.doc, Freshness.HIT));
    }
    Future<Served> shared = flights.join(path, promise -> {
      Future<Served> fetched = fetch(path);
      fetched.onComplete(promise);
      return fetched;
    }).result();
    return SingleFlight.onCallersContext(shared);
  }

  private Future<Served> fetch(String path) {
    long sentAtMs = System.currentTimeMillis();
    return origin.get(path).compose(answer -> {
      Doc doc = new Doc(answer.status(), answer.contentType(), answer.body(), System.currentTimeMillis());
      if (answer.status() == 200 && sentAtMs >= publishedAtMs(path)) {
        // An answer to a request sent before the song's newest SongPublished arrived may be the old
        // version: it is served to its callers but not kept, so the next request asks again.
        cache.put(path, doc);
      } else if (answer.status() == 404) {
        cache.remove(path);
      } else if (answer.status() >= 500) {
        return Future.failedFuture(new ApiError(502, "origin_error", "the origin answered " + answer.status(),
            List.of(path)));
      }
      return Future.succeededFuture(new Served(doc, Freshness.MISS));
    }).recover(e -> {
      DocumentCache.Entry stale = cache.get(path);
      if (stale != null && System.currentTimeMillis() - stale.doc.fetchedAtMs() <= staleIfErrorMs) {
        // Logged at debug: the origin's going down is logged once by its DependencyState.
        LOG.debug("origin failed for {} ({}); serving the copy from {} ms ago", path, e.getMessage(),
            System.currentTimeMillis() - stale.doc.fetchedAtMs());
        staleServed.increment();
        return Future.succeededFuture(new Served(stale.doc, Freshness.STALE));
      }
      return Future.failedFuture(e);
    });
  }

  /**
   * A new version of {@code songId} was published (SongPublished): drops the kept manifest, master
   * and media playlists of the song and the song list, so the next request gets the new ones, unless
   * the kept manifest is already that version or newer.
   *
   * @return true when copies were dropped
   */
  public boolean published(String songId, long version) {
    long now = System.currentTimeMillis();
    publishedAt.merge(songId, now, Math::max);
    publishedAt.merge(CdnPaths.SONGS, now, Math::max);
    DocumentCache.Entry kept = cache.get(CdnPaths.song(songId));
    Manifest m = kept == null ? null : kept.manifest;
    if (m != null && version > 0 && m.version() >= version) {
      return false;
    }
    String hls = CdnPaths.master(songId).substring(0, CdnPaths.master(songId).lastIndexOf('/') + 1);
    cache.removeIf(path -> path.equals(CdnPaths.SONGS) || path.equals(CdnPaths.song(songId)) || path.startsWith(hls));
    return true;
  }

  /**
   * When the newest SongPublished concerning {@code path} was received (epoch ms; 0 = never): the
   * song's for its manifest and playlists, any song's for the song list.
   */
  private long publishedAtMs(String path) {
    String key;
    if (path.equals(CdnPaths.SONGS)) {
      key = CdnPaths.SONGS;
    } else if (path.startsWith(CdnPaths.SONGS + "/")) {
      key = path.substring(CdnPaths.SONGS.length() + 1);
    } else if (path.startsWith("/hls/")) {
      int end = path.indexOf('/', "/hls/".length());
      key = end < 0 ? "" : path.substring("/hls/".length(), end);
    } else {
      return 0;
    }
    return publishedAt.getOrDefault(key, 0L);
  }

  /** Drops the kept copy of {@code path}, so the next request asks the origin. */
  public void forget(String path) {
    cache.remove(path);
  }

  /**
   * The parsed manifest of {@code songId} (validated by the caller), stale while the origin is down
   * like the document itself.
   *
   * @return fails with {@link ApiError} 404 {@code unknown_song}, 502 when the origin's manifest
   *     cannot be parsed, or the origin's failure
   */
  public Future<Manifest> manifest(String songId) {
    String path = CdnPaths.song(songId);
    return get(path).compose(served -> {
      Doc doc = served.doc();
      if (doc.status() == 404) {
        return Future.failedFuture(ApiError.notFound("unknown_song", "no song " + songId));
      }
      if (doc.status() != 200) {
        return Future.failedFuture(new ApiError(502, "origin_error", "the origin answered " + doc.status()
            + " for the manifest", List.of(path)));
      }
      DocumentCache.Entry kept = cache.get(path);
      boolean sameCopy = kept != null && kept.doc == doc;
      if (sameCopy && kept.manifest != null) {
        return Future.succeededFuture(kept.manifest);
      }
      Manifest parsed;
      try {
        parsed = ManifestJson.parse(doc.body().toString());
      } catch (RuntimeException e) {
        return Future.failedFuture(new ApiError(502, "bad_manifest", "the origin's manifest for " + songId
            + " cannot be read", List.of(String.valueOf(e.getMessage()))));
      }
      if (sameCopy) {
        kept.manifest = parsed;
      }
      return Future.succeededFuture(parsed);
    });
  }
}
