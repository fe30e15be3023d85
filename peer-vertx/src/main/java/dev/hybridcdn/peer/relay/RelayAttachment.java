package dev.hybridcdn.peer.relay;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer behind NAT ({@code ACCEPTS_INBOUND=false}) serving the swarm through its relay
 * ({@code RELAY_URL}), on connections it opens itself: a long poll {@code GET /relay/attach} that the
 * relay answers with a segment id someone asked for, then {@code PUT /relay/deliver/{segmentId}} with
 * the cached bytes (or {@code ?missing=true}), then the next poll. The relay is also made a
 * neighbour, so this peer's probes measure the link and the topology has a path to it through the
 * relay. A failed poll is retried after {@value #RETRY_MS} ms.
 */
public final class RelayAttachment {
  private static final Logger LOG = LoggerFactory.getLogger(RelayAttachment.class);
  static final long RETRY_MS = 1000;

  private final Vertx vertx;
  private final WebClient client;
  private final String self;
  private final String relayUrl;
  private final SegmentCache cache;
  private final LinkTable links;
  private final AtomicLong pushed = new AtomicLong();
  private final AtomicLong asked = new AtomicLong();
  private volatile boolean running;

  public RelayAttachment(Vertx vertx, WebClient client, String self, String relayUrl, SegmentCache cache,
      LinkTable links) {
    this.vertx = vertx;
    this.client = client;
    this.self = self;
    this.relayUrl = relayUrl;
    this.cache = cache;
    this.links = links;
  }

  /** Starts polling (returns at once). */
  public void start() {
    running = true;
    poll();
  }

  /** Stops after the poll in flight. */
  public void stop() {
    running = false;
  }

  /** {@code /status}: the relay, segments asked of this peer through it and pushed. */
  public JsonObject status() {
    return new JsonObject().put("relayUrl", relayUrl).put("asked", asked.get()).put("pushed", pushed.get());
  }

  private void poll() {
    if (!running) {
      return;
    }
    Http.get(client, relayUrl + CdnPaths.PING, 2000, null, null).onSuccess(r -> {
      JsonObject ping = r.statusCode() == 200 ? r.bodyAsJsonObject() : null;
      if (ping != null && Ids.isNodeId(ping.getString("id")) && Ids.isRegion(ping.getString("region", ""))) {
        links.neighbour(ping.getString("id"), relayUrl, ping.getString("region"));
      }
    });
    Http.get(client, relayUrl + "/relay/attach", RelayRoute.HOLD_MS + 5000, CdnHeaders.PEER_REQUEST, self)
        .onComplete(ar -> {
          if (ar.failed() || (ar.result().statusCode() != 200 && ar.result().statusCode() != 204)) {
            LOG.debug("peer {}: poll of relay {} failed: {}", self, relayUrl,
                ar.failed() ? ar.cause().toString() : ar.result().statusCode());
            vertx.setTimer(RETRY_MS, t -> poll());
            return;
          }
          if (ar.result().statusCode() == 200) {
            String segmentId = ar.result().bodyAsJsonObject().getString("segmentId");
            if (segmentId != null && Ids.SegmentId.parse(segmentId).isPresent()) {
              push(segmentId);
            }
          }
          poll();
        });
  }

  private void push(String segmentId) {
    asked.incrementAndGet();
    CachedSegment seg = cache.get(segmentId);
    String url = relayUrl + "/relay/deliver/" + segmentId + (seg == null ? "?missing=true" : "");
    var req = client.putAbs(url).putHeader(CdnHeaders.PEER_REQUEST, self).timeout(30_000);
    (seg == null ? req.send() : req.sendBuffer(seg.bytes())).onComplete(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 204 && seg != null) {
        pushed.incrementAndGet();
      }
    });
  }
}
