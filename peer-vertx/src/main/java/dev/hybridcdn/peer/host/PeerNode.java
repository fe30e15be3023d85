package dev.hybridcdn.peer.host;

import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.events.PeerEvents;
import dev.hybridcdn.peer.fetch.Penalties;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.fetch.TrackerClient;
import dev.hybridcdn.peer.http.PeerHttp;
import dev.hybridcdn.peer.http.PeerMeters;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkProber;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.peer.upload.UploadSlots;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.http.Health;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer: its cache, fetch pipeline, upload slots, HTTP server and periodic work (heartbeat every
 * H ms, link probes, rechoke every {@code RECHOKE_MS}, optimistic rotation every
 * {@code OPTIMISTIC_ROTATE_MS}). Deployed as a verticle, so all of a peer's handlers and timers run
 * on one event loop. Emits PeerJoined once its server listens.
 */
public final class PeerNode extends VerticleBase implements HostedPeer {
  private static final Logger LOG = LoggerFactory.getLogger(PeerNode.class);

  private final PeerConfig config;
  private final Shared shared;
  private final PeerEvents events;
  private final PeerMeters meters;
  private final SegmentCache cache;
  private final UploadSlots slots;
  private final LinkTable links;
  private final SegmentFetcher fetcher;
  private final LinkProber prober;
  private PeerHttp http;
  private HttpServer server;
  private volatile int port;
  private final java.util.List<Long> timers = new java.util.ArrayList<>(4);

  PeerNode(PeerConfig config, Shared shared) {
    this.config = config;
    this.shared = shared;
    this.events = new PeerEvents(shared.publisher(), config.peerId());
    this.meters = new PeerMeters(shared.metrics().registry(), config.peerId());
    this.cache = new SegmentCache(config.cacheBytes(), new SegmentCache.Listener() {
      @Override
      public void cached(CachedSegment segment) {
        events.cached(segment);
      }

      @Override
      public void evicted(CachedSegment segment) {
        events.evicted(segment);
      }
    });
    this.slots = new UploadSlots(config.uploadSlots(), config.optimisticSlots(),
        config.optimisticRotation().toMillis(), new Random(config.peerId().hashCode()));
    this.links = new LinkTable(config.edgeUrls());
    this.fetcher = new SegmentFetcher(config, shared.client(), new TrackerClient(shared.client(), config.trackerUrl()),
        links, new Penalties(config.penalty().toMillis()), cache,
        (holder, segmentId, expected, got) -> meters.integrityFailure(), slots::receivedFrom);
    this.prober = new LinkProber(shared.client(), links, Math.max(1000, config.peerTimeout().toMillis()),
        events::linkMeasured);
  }

  @Override
  public Future<?> start() {
    http = new PeerHttp(config, cache, fetcher, shared.manifests(), links, slots, events, meters, shared.client(),
        shared.metrics(), this::status, health());
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.bindHost()).setPort(config.httpPort()));
    return server.requestHandler(http.router(vertx)).listen().onSuccess(s -> {
      port = s.actualPort();
      events.joined(config, baseUrl());
      timers.add(vertx.setPeriodic(config.heartbeat().toMillis(), id -> heartbeat()));
      timers.add(vertx.setPeriodic(config.probeInterval().toMillis(), id -> prober.probeAll()));
      timers.add(vertx.setPeriodic(config.rechoke().toMillis(), id -> slots.rechoke(System.currentTimeMillis())));
      timers.add(vertx.setPeriodic(config.optimisticRotation().toMillis(),
          id -> slots.rotateOptimistic(System.currentTimeMillis())));
      prober.probeAll();
      LOG.info("peer {} ({}) listening on {}", config.peerId(), config.region(), port);
    });
  }

  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    return server == null ? Future.succeededFuture() : server.close();
  }

  /**
   * {@code /health}: the cache (always UP, with its figures) and the event buffer (DOWN, so the
   * peer reports DEGRADED, once more than 90% of it waits for Kafka); players are served either way.
   */
  private Health health() {
    return new Health()
        .optional("cache", () -> Future.succeededFuture(Health.Check.up(cache.size() + " segments, "
            + cache.usedBytes() + " of " + cache.capacityBytes() + " bytes")))
        .optional("events", () -> {
          int buffered = shared.publisher().buffered();
          String detail = buffered + " events waiting for Kafka, " + shared.publisher().droppedCount() + " dropped";
          return Future.succeededFuture(buffered > EventPublisher.DEFAULT_BUFFER_EVENTS * 9 / 10
              ? Health.Check.down(detail) : Health.Check.up(detail));
        });
  }

  private void heartbeat() {
    events.heartbeat(cache.size(), cache.usedBytes(), slots.active(), http.uploadedBytes(),
        fetcher.downloadedBytes(), links.meanNeighbourRttMs());
  }

  /** A clean stop announces PeerLeft; a crash stop stays silent from now on. */
  void beforeStop(boolean clean) {
    if (clean) {
      events.left("shutdown");
    }
    events.mute();
    meters.remove();
  }

  @Override
  public String id() {
    return config.peerId();
  }

  @Override
  public String region() {
    return config.region();
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String baseUrl() {
    return "http://" + config.advertisedHost() + ":" + port;
  }

  public PeerConfig peerConfig() {
    return config;
  }

  /** The upload slots (ops and tests inspect or hold them). */
  public UploadSlots uploadSlots() {
    return slots;
  }

  /** The segment cache. */
  public SegmentCache cache() {
    return cache;
  }

  public PeerMeters meters() {
    return meters;
  }

  @Override
  public JsonObject status() {
    JsonArray linkList = new JsonArray();
    for (Link l : links.edges()) {
      linkList.add(link(l));
    }
    for (Link l : links.neighbours()) {
      linkList.add(link(l));
    }
    return new JsonObject().put("peerId", config.peerId()).put("region", config.region()).put("baseUrl", baseUrl())
        .put("p2pEnabled", config.p2pEnabled())
        .put("cache", new JsonObject().put("segments", cache.size()).put("bytes", cache.usedBytes())
            .put("capacityBytes", cache.capacityBytes()))
        .put("uploads", new JsonObject().put("active", slots.active()).put("slots", slots.capacity())
            .put("unchoked", new JsonArray(slots.unchokedPeers())).put("optimistic", slots.optimisticPeer())
            .put("uploads", slots.uploads()).put("rejections", slots.rejections())
            .put("uploadedBytes", http == null ? 0 : http.uploadedBytes()))
        .put("downloads", new JsonObject().put("inFlight", fetcher.inFlight())
            .put("downloadedBytes", fetcher.downloadedBytes()))
        .put("links", linkList);
  }

  private static JsonObject link(Link l) {
    double rtt = l.rttMs();
    return new JsonObject().put("id", l.id()).put("kind", l.kind().name()).put("url", l.url())
        .put("rttMs", Double.isNaN(rtt) ? null : rtt).put("samples", l.samples());
  }
}
