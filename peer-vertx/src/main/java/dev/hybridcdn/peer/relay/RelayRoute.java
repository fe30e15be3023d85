package dev.hybridcdn.peer.relay;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.cache.SegmentResponse;
import dev.hybridcdn.peer.fetch.PeerManifests;
import dev.hybridcdn.peer.fetch.SourceFailure;
import dev.hybridcdn.peer.route.RouteConfig;
import dev.hybridcdn.peer.upload.UploadSlots;
import dev.hybridcdn.peer.upload.UplinkBudget;
import dev.hybridcdn.peer.upload.UploadPacer;
import dev.hybridcdn.peer.upload.UploadPriority;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A peer as a relay (issue 15, item 1): segments travel along a path of peers when the requester
 * cannot connect to the holder (NAT, or the direct connection failed).
 * <ul>
 *   <li>{@code GET /relay/segments/{segmentId}?path=peer-7[,peer-9]} with {@value
 *       CdnHeaders#PEER_REQUEST}{@code : <requester>}: the nodes after this relay up to the holder.
 *       Answered from the cache when held here ({@code X-CDN-Path: <self>}), else fetched from the
 *       next node ({@link RelayHops}), verified against the manifest's SHA-256, cached within the
 *       cache's byte budget and answered with {@code X-CDN-Path: <self>,<the nodes it travelled>},
 *       within this peer's upload slots. 400 {@code invalid_peer_id}, {@code invalid_segment_id},
 *       {@code invalid_path} (missing, empty, a bad id, more than {@value RouteConfig#MAX_HOPS} hops
 *       counting the requester's), {@code path_loop} (a node twice, this relay or the requester on
 *       it); 404 {@code unknown_segment} (or {@code unknown_song}); 503 {@code manifest_unavailable}; 502 {@code relay_failed} (the next node failed, wrong bytes
 *       included); 503 {@code upload_slots_full}.</li>
 *   <li>{@code GET /relay/attach} with {@value CdnHeaders#PEER_REQUEST}{@code : <NAT'd peer>}: its
 *       long poll ({@link Mailbox}), held {@value #HOLD_MS} ms: 200 {@code {"segmentId"}} (push it)
 *       or 204 (poll again).</li>
 *   <li>{@code PUT /relay/deliver/{segmentId}} with {@value CdnHeaders#PEER_REQUEST}: the NAT'd
 *       peer's push (body: the bytes; {@code ?missing=true}, no body: it no longer holds it). 204; 409
 *       {@code not_requested} when nobody waits for it (checked before the body is read), 413 over
 *       {@value #MAX_PUSH_BYTES} bytes.</li>
 * </ul>
 * The requester header is not authenticated (as on {@code /segments}): bytes are only ever taken
 * after the SHA-256 check, so a false push costs nothing but the push.
 */
public final class RelayRoute {
  /** How long a NAT'd peer's poll is held, ms (well under the default 60 s idle timeout). */
  static final long HOLD_MS = 20_000;
  /** Largest push accepted, bytes (a 4 MiB piece of shared content, with room). */
  static final long MAX_PUSH_BYTES = 32L * 1024 * 1024;

  private final String self;
  private final SegmentCache cache;
  private final PeerManifests manifests;
  private final RelayHops hops;
  private final Mailbox mailbox;
  private final UploadSlots slots;
  private final UplinkBudget uplink;
  private final UploadPacer pacer;
  private final WriteTimeout writeTimeout;
  private final long relayTimeoutMs;
  private final AtomicLong relayed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  public RelayRoute(String self, SegmentCache cache, PeerManifests manifests, RelayHops hops, Mailbox mailbox,
      UploadSlots slots, UplinkBudget uplink, UploadPacer pacer, WriteTimeout writeTimeout, long relayTimeoutMs) {
    this.self = self;
    this.uplink = uplink;
    this.pacer = pacer;
    this.cache = cache;
    this.manifests = manifests;
    this.hops = hops;
    this.mailbox = mailbox;
    this.slots = slots;
    this.writeTimeout = writeTimeout;
    this.relayTimeoutMs = relayTimeoutMs;
  }

  /** Mounts the three routes. */
  public void mount(Router router) {
    router.get(RelayHops.RELAY_SEGMENTS_PREFIX + "*").handler(this::relay);
    router.get("/relay/attach").handler(this::attach);
    // Two routes: a body handler must be the first handler of its route, and the check comes before the body.
    router.put("/relay/deliver/*").handler(this::expected);
    router.put("/relay/deliver/*").handler(BodyHandler.create(false).setBodyLimit(MAX_PUSH_BYTES)).handler(this::deliver);
  }

  /** {@code /status} figures: attached NAT'd peers, segments relayed and relay failures since start. */
  public JsonObject status() {
    return new JsonObject().put("attached", mailbox.attachedCount()).put("relayed", relayed.get())
        .put("failed", failed.get());
  }

  private void relay(RoutingContext ctx) {
    String requester = requester(ctx);
    Ids.SegmentId id = segmentId(ctx, RelayHops.RELAY_SEGMENTS_PREFIX);
    List<String> path = parsePath(ctx.request().getParam("path"), self, requester);
    CachedSegment held = cache.get(id.toString());
    if (held != null) {
      send(ctx, held, requester, List.of(self));
      return;
    }
    manifests.of(id.songId()).recover(e -> Future.failedFuture(e instanceof SourceFailure f && !f.notFound()
        ? new ApiError(503, "manifest_unavailable", "no edge answered the song's manifest; try again later", f.tried())
        : e)).compose(m -> {
      Manifest.Segment info = m.segment(id.toString());
      if (info == null) {
        return Future.failedFuture(ApiError.notFound("unknown_segment", "song " + id.songId() + " has no segment " + id));
      }
      return hops.fetch(info, path, relayTimeoutMs).recover(e -> {
        failed.incrementAndGet();
        return Future.failedFuture(new ApiError(502, "relay_failed", "relay " + self + " could not get " + id
            + " along " + path, List.of(String.valueOf(e.getMessage()))));
      });
    }).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      RelayHops.Relayed r = ar.result();
      CachedSegment seg = CachedSegment.offHeap(id.toString(), r.bytes(), r.sha256());
      cache.put(seg);
      relayed.incrementAndGet();
      List<String> travelled = new ArrayList<>(r.path().size() + 1);
      travelled.add(self);
      travelled.addAll(r.path());
      send(ctx, seg, requester, travelled);
    });
  }

  private void send(RoutingContext ctx, CachedSegment seg, String requester, List<String> path) {
    Optional<UploadSlots.Grant> grant = slots.tryAcquire(requester, System.currentTimeMillis());
    if (grant.isEmpty()) {
      ctx.response().putHeader("Retry-After", "1");
      new ApiError(503, "upload_slots_full", "all upload slots of relay " + self + " are busy").send(ctx);
      return;
    }
    ctx.response().putHeader(CdnHeaders.PEER, self).putHeader(CdnHeaders.PATH, String.join(",", path));
    ByteRange.Parsed range = SegmentResponse.range(ctx, seg);
    // sent whatever the uplink's backlog (the segment was fetched for this requester), but booked on it, and
    // paced as urgent: the requester asked through its relay because it is behind NAT, not because it can wait
    uplink.book(Math.max(0, SegmentResponse.length(range, seg)), System.nanoTime());
    Future<Long> sent = SegmentResponse.send(ctx, seg, range,
        body -> pacer.send(ctx.request(), body, UploadPriority.URGENT, writeTimeout));
    pacer.releaseSlot(sent, () -> slots.release(grant.get()));
  }

  private void attach(RoutingContext ctx) {
    String holder = requester(ctx);
    mailbox.poll(holder, HOLD_MS).onComplete(ar -> {
      if (ctx.response().closed()) {
        return;
      }
      if (ar.succeeded() && ar.result() != null) {
        ctx.response().putHeader("Content-Type", ContentTypes.JSON)
            .end(new JsonObject().put("segmentId", ar.result()).encode());
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  /** Refuses a push nobody waits for before its body is read. */
  private void expected(RoutingContext ctx) {
    String holder = requester(ctx);
    Ids.SegmentId id = segmentId(ctx, "/relay/deliver/");
    if ("true".equals(ctx.request().getParam("missing"))) {
      mailbox.missing(holder, id.toString());
      ctx.response().setStatusCode(204).end();
      return;
    }
    if (!mailbox.waits(holder, id.toString())) {
      throw new ApiError(409, "not_requested", "nobody waits for " + id + " from " + holder);
    }
    ctx.next();
  }

  private void deliver(RoutingContext ctx) {
    String holder = requester(ctx);
    Ids.SegmentId id = segmentId(ctx, "/relay/deliver/");
    if (!mailbox.deliver(holder, id.toString(), ctx.body().buffer() == null ? io.vertx.core.buffer.Buffer.buffer()
        : ctx.body().buffer())) {
      throw new ApiError(409, "not_requested", "nobody waits for " + id + " from " + holder);
    }
    ctx.response().setStatusCode(204).end();
  }

  private static String requester(RoutingContext ctx) {
    String requester = ctx.request().getHeader(CdnHeaders.PEER_REQUEST);
    if (requester == null || !Ids.isNodeId(requester)) {
      throw ApiError.badRequest("invalid_peer_id", CdnHeaders.PEER_REQUEST + " must be a peer id ("
          + Ids.NODE_ID.pattern() + ")");
    }
    return requester;
  }

  private static Ids.SegmentId segmentId(RoutingContext ctx, String prefix) {
    String path = ctx.request().path();
    return Ids.SegmentId.parse(path.startsWith(prefix) ? path.substring(prefix.length()) : "")
        .orElseThrow(() -> ApiError.badRequest("invalid_segment_id",
            "segment id must be <songId>/<rendition>/<file>, e.g. demo/128k/seg00003.ts"));
  }

  /**
   * The {@code path} parameter: the nodes after this relay, the holder last.
   *
   * @throws ApiError 400 {@code invalid_path} or {@code path_loop}
   */
  public static List<String> parsePath(String raw, String self, String requester) {
    if (raw == null || raw.isBlank()) {
      throw ApiError.badRequest("invalid_path", "path must name the nodes after this relay, e.g. path=peer-7");
    }
    List<String> nodes = new ArrayList<>();
    for (String s : raw.split(",", -1)) {
      String id = s.strip();
      if (!Ids.isNodeId(id)) {
        throw ApiError.badRequest("invalid_path", "path holds an invalid peer id: '" + id + "'");
      }
      if (nodes.contains(id) || id.equals(self) || id.equals(requester)) {
        throw ApiError.badRequest("path_loop", "path " + raw + " visits " + id + " twice (requester " + requester
            + ", relay " + self + ")");
      }
      nodes.add(id);
    }
    // The requester's hop to this relay counts too.
    if (nodes.size() + 1 > RouteConfig.MAX_HOPS) {
      throw ApiError.badRequest("invalid_path", "at most " + RouteConfig.MAX_HOPS + " hops from the requester; "
          + "path names " + nodes.size() + " nodes after this relay");
    }
    return nodes;
  }
}
