package dev.hybridcdn.peer.host;

import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.events.PeerEvents;
import dev.hybridcdn.peer.fetch.Penalties;
import dev.hybridcdn.peer.fetch.PeerManifests;
import dev.hybridcdn.peer.fetch.FetchLedger;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.fetch.TrackerClient;
import dev.hybridcdn.peer.http.PeerRouter;
import dev.hybridcdn.peer.metrics.PeerMeters;
import dev.hybridcdn.peer.player.LocalHitRoute;
import dev.hybridcdn.peer.player.PlayerRoute;
import dev.hybridcdn.peer.playlist.PlaylistRoute;
import dev.hybridcdn.peer.playlist.SteeringPathways;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkProber;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.peer.readahead.ReadAhead;
import dev.hybridcdn.peer.relay.Mailbox;
import dev.hybridcdn.peer.relay.PeerDirectory;
import dev.hybridcdn.peer.relay.RelayAttachment;
import dev.hybridcdn.peer.relay.RelayHops;
import dev.hybridcdn.peer.relay.RelayRoute;
import dev.hybridcdn.peer.route.PathRouter;
import dev.hybridcdn.peer.route.RelayCounts;
import dev.hybridcdn.peer.route.TopologyPaths;
import dev.hybridcdn.peer.signalling.Distribution;
import dev.hybridcdn.peer.signalling.DistributionConfig;
import dev.hybridcdn.peer.signalling.SignallingClient;
import dev.hybridcdn.peer.upload.UploadRoute;
import dev.hybridcdn.peer.upload.UploadSlots;
import dev.hybridcdn.peer.warmstart.WarmStartConfig;
import dev.hybridcdn.peer.warmstart.WarmStarts;
import dev.hybridcdn.peer.upload.UplinkBudget;
import dev.hybridcdn.peer.upload.UploadPacer;
import dev.hybridcdn.schemas.events.HolderFault;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer: its parts (cache, fetch pipeline, upload slots, links), its HTTP server and periodic
 * work (heartbeat every H ms, link probes, rechoke every {@code RECHOKE_MS}, optimistic rotation
 * every {@code OPTIMISTIC_ROTATE_MS}). The server is one {@link HttpVerticles} instance (hundreds of
 * peers share one JVM, so one event loop each is plenty); the timers run on Vert.x event loops too,
 * and every part they share with the handlers is thread-safe. Emits PeerJoined once the server
 * listens.
 */
public final class PeerNode implements HostedPeer {
  private static final Logger LOG = LoggerFactory.getLogger(PeerNode.class);

  private final PeerConfig config;
  private boolean cutOff;
  private boolean expiredWhileCut;
  private final Shared shared;
  private final NodeIdentity identity;
  private final PeerEvents events;
  private final PeerMeters meters;
  private final SegmentCache cache;
  private final UploadSlots slots;
  /** The uplink's backlog: peer uploads that would wait too long are refused, relays' sends are booked. */
  private final UplinkBudget uplink;
  /** Sends uploads at the uplink's rate, urgent ones first. */
  private final UploadPacer pacer;
  private final LinkTable links;
  private final TrackerClient tracker;
  private final SegmentFetcher fetcher;
  private final LinkProber prober;
  private final UploadRoute uploads;
  private final PeerRouter router;
  private final RelayRoute relays;
  private final RelayAttachment attachment;
  /** Null with P2P off. */
  private final PathRouter pathRouter;
  private final Distribution distribution;
  private final WebSocketClient signallingClient;
  private final DistributionConfig distributionConfig;
  /** Null when off or with P2P off. */
  private final WarmStarts warmStarts;
  private final List<Long> timers = new ArrayList<>(4);
  private Vertx vertx;
  private HttpVerticles.Deployed server;
  private volatile int port;

  /**
   * @param distribution signalling and song distribution (issue 15); off: today's behaviour
   * @param signallingClient the host's WebSocket client (null when {@code distribution} is off)
   * @param warm the start of popular songs kept ready ({@link WarmStarts}; with P2P on only)
   */
  PeerNode(PeerConfig config, Shared shared, DistributionConfig distribution, WebSocketClient signallingClient,
      WarmStartConfig warm) {
    this.config = config;
    this.signallingClient = signallingClient;
    this.distributionConfig = distribution;
    this.shared = shared;
    this.identity = shared.admissions().newIdentity();
    this.events = new PeerEvents(shared.publisher(), config.peerId(), identity);
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
    this.uplink = new UplinkBudget(config.uplink());
    this.links = new LinkTable(config.edgeUrls());
    // The tracker is the control plane: the host's client, so a thousand peers share its connections.
    this.tracker = new TrackerClient(shared.control(), config.trackerUrls(), config.trackerRetry().toMillis(),
        shared.admissions().holderCheck());
    this.fetcher = new SegmentFetcher(config, shared.vertx(), shared.http(), tracker, links,
        new Penalties(config.penalty().toMillis(), config.holderBackoff().toMillis()), cache,
        new SegmentFetcher.IntegrityListener() {
          @Override
          public void wrongBytes(String holder, String segmentId, String expected, String got) {
            meters.integrityFailure();
            events.holderReported(holder, segmentId, HolderFault.BAD_BYTES);
          }

          @Override
          public void holderFailed(String holder, String segmentId, HolderFault fault) {
            events.holderReported(holder, segmentId, fault);
          }
        }, slots::receivedFrom, shared.upstream());
    this.prober = new LinkProber(shared.client(), links, Math.max(1000, config.peerTimeout().toMillis()),
        this::measured);
    long edgeTimeoutMs = config.edgeTimeout().toMillis();
    PeerManifests manifests = new PeerManifests(shared.manifests(), links, edgeTimeoutMs);
    WriteTimeout writeTimeout = new WriteTimeout(config.writeTimeout().toMillis(), meters::slowReader);
    this.pacer = new UploadPacer(shared.vertx(), config.uplink().bitsPerSecond());
    this.uploads = new UploadRoute(config.peerId(), cache, slots, uplink, pacer, meters, writeTimeout);
    PlayerRoute player = new PlayerRoute(config.peerId(), cache, manifests, fetcher,
        new ReadAhead(config.peerId(), config.readAhead(), config.readAheadMedia().toMillis(), config.maxDownloads(), cache, ReadAhead.Fetches.of(fetcher),
            config.p2pEnabled() ? song -> tracker.availability(song, config.trackerTimeout().toMillis()) : null),
        events, meters,
        writeTimeout, config.p2pEnabled() ? config.playerHedge().toMillis() : 0).countingUploads(slots::active);
    // Issue 15: every peer relays; one behind NAT serves through its relay on its own connections.
    Mailbox mailbox = new Mailbox(shared.vertx());
    PeerDirectory directory = new PeerDirectory(links, shared.client(), tracker::currentUrl,
        shared.admissions().holderCheck());
    RelayHops hops = new RelayHops(shared.http(), directory, mailbox, config.peerId(), shared.upstream());
    this.relays = new RelayRoute(config.peerId(), cache, manifests, hops, mailbox, slots, uplink, pacer, writeTimeout,
        config.route().relayTimeout().toMillis());
    if (config.p2pEnabled()) {
      pathRouter = new PathRouter(config.peerId(), config.route(), new TopologyPaths(shared.vertx(), shared.client(),
          config.route(), config.peerId()), hops, directory, config.region(), config.penalty().toMillis(),
          id -> links.edges().stream().anyMatch(l -> l.id().equals(id)));
      fetcher.routeBy(pathRouter);
    } else {
      pathRouter = null;
    }
    this.attachment = config.p2pEnabled() && !config.route().acceptsInbound()
        ? new RelayAttachment(shared.vertx(), shared.client(), config.peerId(), config.route().relayUrl(), cache, links)
        : null;
    this.distribution = distribution.enabled() && signallingClient != null
        ? new Distribution(config.peerId(), distribution, cache, manifests, ReadAhead.Fetches.of(fetcher),
            config.maxDownloads(), config.uploadSlots())
        : null;
    PlaylistRoute playlists = new PlaylistRoute(shared.client(), links, edgeTimeoutMs,
        new SteeringPathways(shared.client(), config, links, this::baseUrl, tracker::currentUrl), shared.upstream(),
        shared.manifests());
    this.warmStarts = config.p2pEnabled() && warm.enabled()
        ? new WarmStarts(config.peerId(), warm, cache, manifests::of,
            limit -> tracker.popular(limit, config.trackerTimeout().toMillis()), playlists::prefetch,
            s -> fetcher.fetchAhead(s, FetchLedger.Purpose.WARM), fetcher::isFetching,
            () -> fetcher.inFlight() < config.maxDownloads() && fetcher.playersWaiting() == 0)
        : null;
    if (this.distribution != null) {
      player.onPlaying(this.distribution::played);
      uploads.limitPushed(this.distribution::acquireUpload);
    }
    this.router = new PeerRouter(config, playlists, uploads, player, relays, this::status, shared.upstream().checker(),
        new LocalHitRoute(config.peerId(), player, cache, shared.upstream().checker(), writeTimeout));
  }

  /**
   * Starts the server and the timers, then announces PeerJoined. Blocks; call from a thread that is
   * not an event loop.
   *
   * @throws IllegalStateException when the port cannot be bound within {@code timeout}
   */
  void start(Vertx vertx, Duration timeout) {
    Health health = health();
    // Idle connections cost a socket and buffers each; a client gone without a FIN (half-open)
    // would keep them for good.
    HttpServerOptions options = new HttpServerOptions().setHost(config.bindHost()).setPort(config.httpPort())
        .setIdleTimeout((int) config.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    server = HttpVerticles.deploy(vertx, options, config.common().tls(), 1, () -> router.handler(vertx, health, shared.metrics()), timeout,
        "peer " + config.peerId());
    this.vertx = vertx;
    port = server.port();
    shared.admissions().admit(identity, config.peerId(), baseUrl(), config.region());
    events.joined(config, baseUrl());
    timers.add(vertx.setPeriodic(config.heartbeat().toMillis(), id -> heartbeat()));
    timers.add(vertx.setPeriodic(config.probeInterval().toMillis(), id -> prober.probeAll()));
    timers.add(vertx.setPeriodic(config.rechoke().toMillis(), id -> slots.rechoke(System.currentTimeMillis())));
    timers.add(vertx.setPeriodic(config.optimisticRotation().toMillis(),
        id -> slots.rotateOptimistic(System.currentTimeMillis())));
    prober.probeAll();
    if (attachment != null) {
      attachment.start();
    }
    if (warmStarts != null) {
      warmStarts.start(vertx);
    }
    if (distribution != null) {
      DistributionConfig dc = distributionConfig;
      distribution.start(vertx, new SignallingClient(vertx, signallingClient, dc.signallingUrl().orElseThrow(),
          config.peerId(), config.region(), dc.retry().toMillis(), distribution::onMessage, distribution::onConnected));
    }
    LOG.info("peer {} ({}) listening on {}", config.peerId(), config.region(), port);
  }

  /** Cancels the timers and closes the server; completes once its socket is closed. */
  Future<Void> stop() {
    if (vertx == null) {
      return Future.succeededFuture();
    }
    timers.forEach(vertx::cancelTimer);
    if (attachment != null) {
      attachment.stop();
    }
    if (warmStarts != null) {
      warmStarts.stop();
    }
    if (distribution != null) {
      distribution.close();
    }
    Future<Void> stopped = server.undeploy(vertx);
    // a peer with a source address of its own has its own client (Shared.forSource)
    return config.sourceAddress().isEmpty() ? stopped : stopped.eventually(() -> shared.http().close());
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
    events.heartbeat(cache.size(), cache.usedBytes(), slots.active(), uploads.uploadedBytes(),
        fetcher.downloadedBytes(), links.meanNeighbourRttMs());
  }

  /**
   * Re-announces this peer in full after the tracker expired it while it was alive: PeerJoined,
   * then SegmentCached for every cached segment (least recently used first) and a heartbeat with
   * the current figures. The tracker takes the PeerJoined as a new session and rebuilds its
   * holdings from the SegmentCached events. Thread-safe; events of a stopped peer are muted.
   */
  synchronized void reannounce() {
    if (cutOff) {
      // it learns of its expiry when the partition heals (reconnect)
      expiredWhileCut = true;
      return;
    }
    shared.admissions().admit(identity, config.peerId(), baseUrl(), config.region()); // a new session
    events.joined(config, baseUrl());
    cache.snapshot().forEach(events::cached);
    heartbeat();
  }

  /**
   * Cuts this peer off (an emulated network partition, ops {@code cdn eval --partitions}): its events
   * reach nobody (heartbeats stop, so the tracker expires it after its TTL), and an expiry it hears of
   * meanwhile is answered only on {@link #reconnect}. Its network side is the emulated network's
   * ({@code ShapedNetwork.cutOff}).
   */
  public synchronized void cutOff() {
    cutOff = true;
    events.cutOff(true);
  }

  /** Ends {@link #cutOff}: events flow again and, if the tracker expired it meanwhile, it re-announces in full. */
  public synchronized void reconnect() {
    cutOff = false;
    events.cutOff(false);
    if (expiredWhileCut) {
      expiredWhileCut = false;
      reannounce();
    }
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
    return config.common().tls().url(config.advertisedHost(), port);
  }

  public PeerConfig peerConfig() {
    return config;
  }

  /** The upload slots (ops and tests inspect or hold them). */
  public UploadSlots uploadSlots() {
    return slots;
  }

  /** The uplink's pacer (tests see the uploads it has under way). */
  public UploadPacer uploadPacer() {
    return pacer;
  }

  /** The segment cache. */
  public SegmentCache cache() {
    return cache;
  }

  /**
   * A probed link, told to the topology. Behind NAT, only the link to the relay (and the edges) is a
   * way in: a link this peer measured to another peer goes out only, and a relay path through it would
   * end at a peer that cannot reach us (only our relay holds our poll), so those links are not told.
   * The relay is the one polled now (it changes when a relay dies).
   */
  private void measured(Link l) {
    if (config.route().acceptsInbound() || l.kind() != Link.Kind.PEER
        || (attachment != null && l.url().equals(attachment.relayUrl()))) {
      events.linkMeasured(l);
    }
  }

  /** This peer's path router (holder ranking, relays), null with P2P off. */
  public PathRouter pathRouter() {
    return pathRouter;
  }

  /** This peer's relay attempts as a requester, by holder (empty with P2P off). */
  public RelayCounts relayCounts() {
    return pathRouter == null ? new RelayCounts() : pathRouter.counts();
  }

  /** This peer's meters. */
  public PeerMeters meters() {
    return meters;
  }

  /** What this peer's fetches were for and where they came from (issue 13's P2P share). */
  public FetchLedger fetchLedger() {
    return fetcher.ledger();
  }

  /** Bytes this peer finished writing to other peers since start (its heartbeats' {@code uploadedBytes}). */
  public long uploadedBytes() {
    return uploads.uploadedBytes();
  }

  /**
   * Bytes this peer received from peers and edges since start, whole answers and chunks, kept or not
   * (its heartbeats' {@code downloadedBytes}).
   */
  public long downloadedBytes() {
    return fetcher.downloadedBytes();
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
            .put("uploadedBytes", uploads.uploadedBytes()).put("paced", pacer.active()))
        .put("downloads", new JsonObject().put("inFlight", fetcher.inFlight())
            .put("downloadedBytes", fetcher.downloadedBytes()).put("multiSource", fetcher.multiSourceDownloads()))
        .put("tracker", tracker.currentUrl())
        .put("relay", attachment == null ? relays.status() : relays.status().put("via", attachment.status()))
        .put("distribution", distribution == null ? null : distribution.status())
        .put("warmStarts", warmStarts == null ? null : warmStarts.status())
        .put("links", linkList);
  }

  private static JsonObject link(Link l) {
    double rtt = l.rttMs();
    return new JsonObject().put("id", l.id()).put("kind", l.kind().name()).put("url", l.url())
        .put("rttMs", Double.isNaN(rtt) ? null : rtt).put("samples", l.samples()).put("down", l.isDown())
        .put("failures", l.failures());
  }
}
