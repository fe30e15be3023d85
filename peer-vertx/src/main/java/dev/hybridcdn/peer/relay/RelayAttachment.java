package dev.hybridcdn.peer.relay;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.schemas.Ids;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer behind NAT ({@code ACCEPTS_INBOUND=false}) serving the swarm through its relay
 * ({@code RELAY_URL}), on connections it opens itself: a long poll {@code GET /relay/attach} that the
 * relay answers with a segment id someone asked for, then {@code PUT /relay/deliver/{segmentId}} with
 * the cached bytes (or {@code ?missing=true}), then the next poll. The relay is also made a
 * neighbour, so this peer's probes measure the link and the topology has a path to it through the
 * relay. A failed poll is retried after {@value #RETRY_MS} ms; after {@value #FAILOVER_AFTER} failed
 * polls in a row (the relay is gone) the peer attaches to another relay: the nearest neighbour peer it
 * reaches on its own connections (probed, up; a peer it can reach accepts inbound connections). Peers
 * asking for its segments find the new relay among the links it measures ({@code PathRouter}).
 */
public final class RelayAttachment {
  private static final Logger LOG = LoggerFactory.getLogger(RelayAttachment.class);
  static final long RETRY_MS = 1000;
  /** Failed polls in a row after which another relay is chosen (about 3 s with {@link #RETRY_MS}). */
  static final int FAILOVER_AFTER = 3;

  private final Vertx vertx;
  private final WebClient client;
  private final String self;
  private volatile String relayUrl;
  private int failedPolls;
  private final AtomicLong switched = new AtomicLong();
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

  /** The base URL of the relay polled now. */
  public String relayUrl() {
    return relayUrl;
  }

  /** {@code /status}: the relay now, segments asked of this peer through it and pushed, relay changes. */
  public JsonObject status() {
    return new JsonObject().put("relayUrl", relayUrl).put("asked", asked.get()).put("pushed", pushed.get())
        .put("relaysChanged", switched.get());
  }

  /**
   * The relay to attach to after the current one failed {@value #FAILOVER_AFTER} polls: the
   * measured, up neighbour peer with the lowest RTT other than the failed relay.
   *
   * @return its base URL, empty when no neighbour qualifies (the peer keeps trying the old relay)
   */
  static Optional<String> nextRelay(List<Link> neighbours, String failedUrl) {
    return neighbours.stream()
        .filter(l -> l.samples() > 0 && !l.isDown() && !l.url().equals(failedUrl))
        .min(Comparator.comparingDouble(Link::rttMs))
        .map(Link::url);
  }

  private void poll() {
    if (!running) {
      return;
    }
    String relay = relayUrl;
    Http.get(client, relay + CdnPaths.PING, 2000, null, null).onSuccess(r -> {
      JsonObject ping = r.statusCode() == 200 ? r.bodyAsJsonObject() : null;
      if (ping != null && Ids.isNodeId(ping.getString("id")) && Ids.isRegion(ping.getString("region", ""))) {
        links.neighbour(ping.getString("id"), relay, ping.getString("region"));
      }
    });
    Http.get(client, relay + "/relay/attach", RelayRoute.HOLD_MS + 5000, CdnHeaders.PEER_REQUEST, self)
        .onComplete(ar -> {
          if (ar.failed() || (ar.result().statusCode() != 200 && ar.result().statusCode() != 204)) {
            LOG.debug("peer {}: poll of relay {} failed: {}", self, relay,
                ar.failed() ? ar.cause().toString() : ar.result().statusCode());
            if (++failedPolls >= FAILOVER_AFTER) {
              failover();
            }
            vertx.setTimer(RETRY_MS, t -> poll());
            return;
          }
          failedPolls = 0;
          if (ar.result().statusCode() == 200) {
            String segmentId = ar.result().bodyAsJsonObject().getString("segmentId");
            if (segmentId != null && Ids.SegmentId.parse(segmentId).isPresent()) {
              push(relay, segmentId);
            }
          }
          poll();
        });
  }

  private void failover() {
    String failed = relayUrl;
    links.neighbours().stream().filter(l -> l.url().equals(failed)).forEach(l -> l.failed(System.currentTimeMillis()));
    nextRelay(links.neighbours(), failed).ifPresent(next -> {
      LOG.info("peer {}: relay {} failed {} polls in a row; attaching to {}", self, failed, failedPolls, next);
      relayUrl = next;
      failedPolls = 0;
      switched.incrementAndGet();
    });
  }

  private void push(String relay, String segmentId) {
    asked.incrementAndGet();
    CachedSegment seg = cache.get(segmentId);
    String url = relay + "/relay/deliver/" + segmentId + (seg == null ? "?missing=true" : "");
    var req = client.putAbs(url).putHeader(CdnHeaders.PEER_REQUEST, self).timeout(30_000);
    (seg == null ? req.send() : req.sendBuffer(seg.bytes())).onComplete(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 204 && seg != null) {
        pushed.incrementAndGet();
      }
    });
  }
}
