package dev.hybridcdn.peer.upload;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.cache.SegmentResponse;
import dev.hybridcdn.peer.metrics.PeerMeters;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serving segments to other peers: {@code GET /segments/{segmentId}} with {@value
 * CdnHeaders#PEER_REQUEST}{@code : <requester peer id>}. Cache only (404 {@code
 * not_cached}; a peer request never starts a fetch), within the {@link UploadSlots} (503 {@code
 * upload_slots_full} + {@code Retry-After: 1}, and the requester moves on to another holder at
 * once) and the uplink's backlog ({@link UplinkBudget}: 503 {@code uplink_busy} + {@code Retry-After}
 * in seconds until it drains), one byte range as for players ({@link SegmentResponse}), sent at the
 * uplink's rate, urgent ones first ({@link UploadPacer}). A requester that takes no byte for
 * {@code WRITE_TIMEOUT_MS} is disconnected (the slot: {@link UploadPacer#releaseSlot}).
 */
public final class UploadRoute {
  private final String peerId;
  private final SegmentCache cache;
  private final UploadSlots slots;
  private final PeerMeters meters;
  private final WriteTimeout writeTimeout;
  private final UplinkBudget uplink;
  private final UploadPacer pacer;
  private final AtomicLong uploadedBytes = new AtomicLong();
  private volatile PushedShare pushedShare;

  /** The share of the upload slots that pushed segments may use (signalling's {@code Distribution}). */
  @FunctionalInterface
  public interface PushedShare {
    /** @return what to run when the upload ends, or null to refuse it (the pushed share is in use) */
    Runnable acquire(String segmentId);
  }

  /** Bounds uploads of pushed segments from now on; null: no bound. */
  public UploadRoute limitPushed(PushedShare share) {
    this.pushedShare = share;
    return this;
  }

  /**
   * @param uplink the uplink's backlog of uploads (an upload that would wait too long behind it is refused)
   * @param pacer sends the accepted uploads at the uplink's rate, urgent ones first
   * @param writeTimeout bounds how long a requester that stops reading keeps its upload slot
   */
  public UploadRoute(String peerId, SegmentCache cache, UploadSlots slots, UplinkBudget uplink, UploadPacer pacer,
      PeerMeters meters, WriteTimeout writeTimeout) {
    this.peerId = peerId;
    this.uplink = uplink;
    this.pacer = pacer;
    this.writeTimeout = writeTimeout;
    this.cache = cache;
    this.slots = slots;
    this.meters = meters;
  }

  /**
   * Answers another peer.
   *
   * @param requester the {@value CdnHeaders#PEER_REQUEST} value; validated here (400
   *     {@code invalid_peer_id}) and used for choking, not authenticated
   */
  public void serve(RoutingContext ctx, Ids.SegmentId id, String requester) {
    if (!Ids.isNodeId(requester)) {
      throw ApiError.badRequest("invalid_peer_id", CdnHeaders.PEER_REQUEST + " must be a peer id ("
          + Ids.NODE_ID.pattern() + ")");
    }
    String segmentId = id.toString();
    CachedSegment seg = cache.get(segmentId);
    if (seg == null) {
      throw ApiError.notFound("not_cached", "peer " + peerId + " does not hold " + segmentId);
    }
    PushedShare share = pushedShare;
    Runnable pushedRelease = share == null ? () -> { } : share.acquire(segmentId);
    Optional<UploadSlots.Grant> grant = pushedRelease == null ? Optional.empty()
        : slots.tryAcquire(requester, System.currentTimeMillis());
    if (grant.isEmpty()) {
      if (pushedRelease != null) {
        pushedRelease.run();
      }
      refuse(ctx, PeerMeters.Refusal.UPLOAD_SLOTS_FULL, 1, "all " + slots.capacity() + " upload slots of " + peerId
          + " are busy or " + requester + " is choked");
      return;
    }
    ByteRange.Parsed range = SegmentResponse.range(ctx, seg);
    UploadPriority priority = UploadPriority.of(ctx.request().getHeader(UploadPriority.HEADER));
    long backlogNs = uplink.tryBook(Math.max(0, SegmentResponse.length(range, seg)), System.nanoTime(), priority);
    if (backlogNs > 0) {
      slots.release(grant.get());
      pushedRelease.run();
      refuse(ctx, PeerMeters.Refusal.UPLINK_BUSY, Math.max(1, (backlogNs + 999_999_999) / 1_000_000_000),
          "the uplink of " + peerId + " has " + backlogNs / 1_000_000 + " ms of uploads queued");
      return;
    }
    ctx.response().putHeader(CdnHeaders.PEER, peerId);
    Future<Long> sent = SegmentResponse.send(ctx, seg, range,
        body -> pacer.send(ctx.request(), body, priority, writeTimeout));
    pacer.releaseSlot(sent, () -> {
      slots.release(grant.get());
      pushedRelease.run();
    });
    sent.onSuccess(bytes -> {
      meters.uploaded();
      uploadedBytes.addAndGet(bytes);
    });
  }

  /**
   * A 503 whose error code is {@code why}'s, counted by it, with {@code Retry-After} in seconds: the
   * requester asks another holder at once.
   */
  private void refuse(RoutingContext ctx, PeerMeters.Refusal why, long retryAfterS, String what) {
    meters.rejected(why);
    ctx.response().putHeader("Retry-After", Long.toString(retryAfterS));
    new ApiError(503, why.code(), what + "; ask another holder").send(ctx);
  }

  /** Bytes uploaded to other peers since start (PeerHeartbeat, {@code /status}). */
  public long uploadedBytes() {
    return uploadedBytes.get();
  }
}
