package dev.hybridcdn.edge.cache;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.SegmentNames;
import dev.hybridcdn.edge.origin.OriginClient;
import dev.hybridcdn.edge.origin.OriginDocuments;
import dev.hybridcdn.edge.shield.ShieldClient;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.vertx.SingleFlight;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers "the bytes of segment X" through the tiers: the process's {@link NearCache} and the Redis
 * hot tier (both {@code HIT-MEMORY}), then the PostgreSQL cache tier ({@code HIT-DB}), then the
 * origin ({@code MISS}). Origin bytes are checked against the size and SHA-256 of the song's
 * manifest before they are served or cached; a mismatch is refused (502 {@code integrity_failure}),
 * logged and counted in {@code cdn_edge_integrity_failures_total}.
 *
 * <p>One lookup per segment id at a time ({@link SingleFlight}): any number of concurrent requests
 * for a cold segment cause one origin fetch ({@code cdn_edge_origin_fetches_total}) and get the
 * same bytes; a request waits for a lookup under way at most {@code flightWait}. A hit in a lower
 * tier is copied into the tiers above it; the lookup is forgotten only once a tier holds the bytes,
 * so no request falls between the flight and the caches.
 *
 * <p>Origin shield: with {@code EDGE_SHIELDS} set, a segment no tier holds is asked of its shield edge
 * ({@link ShieldClient}) before the origin, and checked against the manifest like origin bytes; the
 * answer's result is the shield's tier (MISS: the shield fetched it from the origin) with the shield's
 * id ({@link Served#shieldId()}). A shield that fails, or bytes it sends that do not match, send the
 * request to the origin. A request that came from another edge ({@code shieldRequest}) never goes to
 * a shield, so shields cannot loop; it joins this edge's own lookup of the segment when this edge is
 * the segment's shield ({@link ShieldClient#isOwnSegment}), so the shield's own requesters and the
 * edges it shields cost the origin one fetch together, and flies apart from it otherwise.
 *
 * <p>A request that joined a lookup another request started is answered {@code HIT_MEMORY}: its
 * bytes are the ones this edge fetched once for the first, as a cache lock's waiters read the entry
 * the first request wrote. So each MISS (without a shield id) is exactly one origin fetch, and the
 * EdgeServed events add up to the origin's egress.
 *
 * <p>A tier that fails or times out is skipped (and skipped without trying for a second after a
 * failure, see {@link DependencyState}), so Redis or PostgreSQL being down costs a tier, not the
 * request.
 */
public final class SegmentService {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentService.class);

  /**
   * A segment and the tier it came from.
   *
   * @param result HIT_MEMORY (near cache or Redis, or a request that joined a fetch under way),
   *     HIT_DB (PostgreSQL) or MISS (origin); with a shield id, the shield's tier
   * @param shieldId the shield edge that answered this edge's miss, else null
   */
  public record Served(CachedSegment segment, EdgeResult result, String shieldId) {
    Served(CachedSegment segment, EdgeResult result) {
      this(segment, result, null);
    }
  }

  private final Vertx vertx;
  private final NearCache near;
  private final RedisHotTier hot;
  private final PgCacheTier db;
  private final OriginClient origin;
  private final OriginDocuments documents;
  private final ShieldClient shields;
  private final long flightWaitMs;
  private final SingleFlight<String, Served> flights = new SingleFlight<>();
  private final Counter originFetches;
  private final Counter integrityFailures;

  public SegmentService(Vertx vertx, NearCache near, RedisHotTier hot, PgCacheTier db, OriginClient origin,
      OriginDocuments documents, ShieldClient shields, Duration flightWait, MeterRegistry metrics) {
    this.vertx = vertx;
    this.near = near;
    this.hot = hot;
    this.db = db;
    this.origin = origin;
    this.documents = documents;
    this.shields = shields;
    this.flightWaitMs = flightWait.toMillis();
    this.originFetches = Counter.builder("cdn.edge.origin.fetches")
        .description("segment fetches from the origin").register(metrics);
    this.integrityFailures = Counter.builder("cdn.edge.integrity.failures")
        .description("origin segments refused because size or SHA-256 did not match the manifest")
        .register(metrics);
  }

  /**
   * The near cache's copy of a segment ({@code HIT_MEMORY}), or null: the hot path's lookup by the
   * request path's id string, before it is parsed. Only ids that parsed ({@link Ids.SegmentId#parse})
   * enter the near cache, so a hit names a valid segment id; a miss says nothing of the string.
   */
  public Served nearHit(String segmentId) {
    CachedSegment local = near.get(segmentId);
    return local == null ? null : new Served(local, EdgeResult.HIT_MEMORY);
  }

  /**
   * The segment, completing on the caller's context.
   *
   * @param shieldRequest true when another edge asks this one as its shield
   *     ({@code X-CDN-Shield-Request}): answered from this edge's tiers or the origin, never a shield
   * @return fails with {@link ApiError}: 404 {@code unknown_segment}, 502 {@code integrity_failure} or
   *     {@code origin_error}, 503 {@code origin_unavailable}, 504 {@code origin_timeout} or
   *     {@code fetch_timeout}
   */
  public Future<Served> serve(Ids.SegmentId id, boolean shieldRequest) {
    String segmentId = id.toString();
    CachedSegment local = near.get(segmentId);
    if (local != null) {
      return Future.succeededFuture(new Served(local, EdgeResult.HIT_MEMORY));
    }
    // A shield request joins the edge's own fetch when that fetch goes to the origin (this edge is the
    // segment's shield): otherwise a peer of the shield's region and another edge missing a segment at
    // once cost the origin two fetches. Where the edge's own fetch would ask a shield, the shield request
    // flies apart: two edges listing each other must not wait on each other.
    String key = shieldRequest && !shields.isOwnSegment(segmentId) ? "shield|" + segmentId : segmentId;
    SingleFlight.Joined<Served> joined = flights.join(key, promise -> lookup(id, shieldRequest, promise));
    Future<Served> mine = SingleFlight.onCallersContext(joined.result());
    if (joined.leader()) {
      return mine;
    }
    mine = mine.map(SegmentService::joined);
    if (mine.isComplete()) {
      return mine;
    }
    return mine.timeout(flightWaitMs, TimeUnit.MILLISECONDS).recover(e -> Future.failedFuture(
        e instanceof ApiError ? e : new ApiError(504, "fetch_timeout",
            "a fetch of this segment under way did not finish in " + flightWaitMs + " ms", List.of(segmentId))));
  }

  /** Segment fetches from the origin so far. */
  public long originFetches() {
    return (long) originFetches.count();
  }

  /** What a request that joined a lookup under way was served: the first request's fetch, not one of its own. */
  private static Served joined(Served first) {
    return first.result() == EdgeResult.MISS || first.shieldId() != null
        ? new Served(first.segment(), EdgeResult.HIT_MEMORY) : first;
  }

  private Future<Void> lookup(Ids.SegmentId id, boolean shieldRequest, Promise<Served> promise) {
    String segmentId = id.toString();
    Future<CachedSegment> fromHot = hot.state().usable()
        ? hot.get(segmentId).otherwise(e -> null) : Future.succeededFuture(null);
    return fromHot.compose(h -> {
      if (h != null) {
        near.put(h);
        promise.complete(new Served(h, EdgeResult.HIT_MEMORY));
        return Future.<Void>succeededFuture();
      }
      Future<CachedSegment> fromDb = db.state().usable()
          ? db.get(segmentId).otherwise(e -> null) : Future.succeededFuture(null);
      return fromDb.compose(d -> {
        if (d != null) {
          near.put(d);
          promise.complete(new Served(d, EdgeResult.HIT_DB));
          return storeHot(d).<Void>mapEmpty();
        }
        // The MISS is answered once Redis holds the bytes (one round trip, bounded), so the next
        // request is a HIT-MEMORY; the PostgreSQL copy is written after. Without Redis, the flight
        // lasts until PostgreSQL holds them, so no request in between goes to the origin again.
        return fetch(id, shieldRequest).compose(o -> storeHot(o.segment()).compose(inRedis -> {
          near.put(o.segment());
          promise.complete(o);
          Future<Void> inDb = storeDb(o.segment());
          return inRedis ? Future.<Void>succeededFuture() : inDb;
        }));
      });
    });
  }

  /** True when Redis now holds the segment. */
  private Future<Boolean> storeHot(CachedSegment segment) {
    if (!hot.state().usable()) {
      return Future.succeededFuture(false);
    }
    return hot.put(segment).map(evicted -> evicted >= 0).otherwise(e -> {
      LOG.debug("not stored in redis: {} ({})", segment.segmentId(), e.toString());
      return false;
    });
  }

  private Future<Void> storeDb(CachedSegment segment) {
    if (!db.state().usable()) {
      return Future.succeededFuture();
    }
    return db.put(segment).otherwise(e -> {
      LOG.debug("not stored in postgres: {} ({})", segment.segmentId(), e.toString());
      return 0;
    }).mapEmpty();
  }

  /** A segment no tier of this edge holds: from its shield edge if it has one that answers, else the origin. */
  private Future<Served> fetch(Ids.SegmentId id, boolean shieldRequest) {
    String segmentId = id.toString();
    Optional<ShieldClient.Shield> shield = shieldRequest ? Optional.empty() : shields.shieldFor(segmentId);
    if (shield.isEmpty()) {
      return fromOrigin(id).map(o -> new Served(o, EdgeResult.MISS));
    }
    // A segment the current manifest does not name (null here) is checked by name at the origin.
    Future<Served> fromShield = documents.manifest(id.songId())
        .compose(manifest -> {
          Manifest.Segment info = manifest.segment(segmentId);
          if (info == null) {
            return Future.succeededFuture(null);
          }
          return shields.get(shield.get(), segmentId).compose(answer ->
              verify(segmentId, info, answer.body(), "shield " + answer.shield().id())
                  .map(bytes -> new Served(bytes, answer.result(), answer.shield().id())));
        })
        .recover(e -> {
          LOG.debug("shield {} did not serve {} ({}); asking the origin", shield.get().id(), segmentId, e.toString());
          shields.fellBack();
          return Future.succeededFuture(null);
        });
    return fromShield.compose(served -> served != null ? Future.succeededFuture(served)
        : fromOrigin(id).map(o -> new Served(o, EdgeResult.MISS)));
  }

  private Future<CachedSegment> fromOrigin(Ids.SegmentId id) {
    String segmentId = id.toString();
    return documents.manifest(id.songId())
        .recover(e -> Future.failedFuture(e instanceof ApiError api && api.status() == 404
            ? unknown(segmentId) : e))
        .compose(manifest -> {
          Manifest.Segment info = manifest.segment(segmentId);
          if (info == null) {
            // Not in the current version: a superseded segment a player is finishing (kept by the
            // origin for its retention period) is checked against the hash its name carries.
            return SegmentNames.hashPrefix(segmentId).isPresent() ? fromOriginByName(segmentId)
                : Future.failedFuture(unknown(segmentId));
          }
          return originSegment(segmentId).compose(answer -> verify(segmentId, info, answer.body(), "origin"));
        });
  }

  /** The origin's 200 answer for a segment; 404 {@code unknown_segment} or 502 {@code origin_error} otherwise. */
  private Future<OriginClient.Answer> originSegment(String segmentId) {
    originFetches.increment();
    return origin.get(CdnPaths.segment(segmentId)).compose(answer -> {
      if (answer.status() == 404) {
        return Future.failedFuture(unknown(segmentId));
      }
      if (answer.status() != 200) {
        return Future.failedFuture(new ApiError(502, "origin_error",
            "the origin answered " + answer.status() + " for the segment", List.of(segmentId)));
      }
      return Future.succeededFuture(answer);
    });
  }

  /**
   * A segment no current manifest names, fetched from the origin and accepted only when the origin's
   * ETag is the SHA-256 of the bytes and that hash is the one the content-addressed id carries
   * ({@link SegmentNames}); 404 when the origin no longer has it (retired).
   */
  private Future<CachedSegment> fromOriginByName(String segmentId) {
    return originSegment(segmentId).compose(answer -> {
      String actual = sha256(answer.body());
      if (!actual.equals(answer.etag()) || !SegmentNames.names(segmentId, actual)) {
        integrityFailures.increment();
        LOG.error("integrity failure: origin sent bytes with sha256 {} (ETag {}) for {}, which names other bytes",
            actual, answer.etag(), segmentId);
        return Future.failedFuture(new ApiError(502, "integrity_failure",
            "the origin's bytes are not the ones the segment id names; not served, not cached",
            List.of(segmentId, "received " + actual)));
      }
      return Future.succeededFuture(new CachedSegment(segmentId, answer.body(), actual));
    });
  }

  /**
   * Drops retired segments (SongRetired) from every tier: the near cache, Redis and PostgreSQL.
   *
   * @return segments dropped from Redis and rows deleted from PostgreSQL; fails when a reachable
   *     tier failed (a tier known down is skipped: its copy expires or ages out)
   */
  public Future<Integer> retire(List<String> segmentIds) {
    near.remove(segmentIds);
    Future<Long> fromHot = hot.state().usable() ? hot.remove(segmentIds) : Future.succeededFuture(0L);
    Future<Integer> fromDb = db.state().usable() ? db.remove(segmentIds) : Future.succeededFuture(0);
    return Future.all(fromHot, fromDb).map(x -> (int) (fromHot.result() + fromDb.result()));
  }

  /** @param source who sent the bytes ({@code origin} or {@code shield <id>}), for the log */
  private Future<CachedSegment> verify(String segmentId, Manifest.Segment info, Buffer body, String source) {
    String actual = sha256(body);
    if (body.length() != info.bytes() || !actual.equals(info.sha256())) {
      integrityFailures.increment();
      LOG.error("integrity failure: {} sent {} bytes with sha256 {} for {}; the manifest says {} bytes, {}",
          source, body.length(), actual, segmentId, info.bytes(), info.sha256());
      // The manifest may be older than the segment (a song published again): read it afresh next time.
      documents.forget(CdnPaths.song(id(segmentId)));
      return Future.failedFuture(new ApiError(502, "integrity_failure",
          "the origin's bytes do not match the manifest's SHA-256; not served, not cached",
          List.of(segmentId, "expected " + info.sha256() + " (" + info.bytes() + " bytes)",
              "received " + actual + " (" + body.length() + " bytes)")));
    }
    return Future.succeededFuture(new CachedSegment(segmentId, body, info.sha256()));
  }

  private static String id(String segmentId) {
    return segmentId.substring(0, segmentId.indexOf('/'));
  }

  private static ApiError unknown(String segmentId) {
    return ApiError.notFound("unknown_segment", "no segment " + segmentId);
  }

  /** Lowercase hex SHA-256 of the buffer's bytes. */
  public static String sha256(Buffer bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes.getBytes());
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
