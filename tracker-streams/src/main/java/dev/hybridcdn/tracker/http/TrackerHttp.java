package dev.hybridcdn.tracker.http;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.identity.ClusterRequests;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.streamskit.StreamsApp;
import dev.hybridcdn.tracker.TrackerConfig;
import dev.hybridcdn.tracker.index.HolderIndex;
import dev.hybridcdn.tracker.index.HolderRanking;
import dev.hybridcdn.tracker.index.LoadWindow;
import dev.hybridcdn.tracker.index.LocalQueries;
import dev.hybridcdn.tracker.index.PeerDirectory;
import dev.hybridcdn.tracker.index.PeerState;
import dev.hybridcdn.tracker.index.TrackerStores;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * The tracker's HTTP API (ARCHITECTURE.md, "tracker 7070"; README "HTTP shapes"): routes and input
 * validation. Any instance answers any key; where a key is answered is {@link InstanceRouting}'s
 * business. One instance of this class per tracker; {@link #router()} once per HTTP event loop.
 *
 * <p>Internal routes (between instances): {@code /internal/local/peers},
 * {@code /internal/local/content}; forwarded requests carry {@value InstanceRouting#FORWARDED}. With
 * {@code CLUSTER_SECRET} both need {@link ClusterRequests#HEADER} (else 401 {@code cluster_auth_required}),
 * checked in one handler ahead of every route.
 */
public final class TrackerHttp {
  /** Default and maximum {@code limit} of a lookup. */
  public static final int DEFAULT_LIMIT = 10;
  public static final int MAX_LIMIT = 200;
  /** Prefix of the routes only other instances call (with {@link ClusterRequests#HEADER} under a cluster secret). */
  public static final String INTERNAL = "/internal/";
  private static final int MAX_EXCLUDED = 1000;
  private static final int LOAD_WINDOWS_SHOWN = 10;
  private static final int MAX_ROTATION_KEYS = 200_000;
  /** Partitions of every tracker store: those of the peer-keyed topics (the repartition topic inherits them). */
  private static final int PARTITIONS = CdnTopic.PEER_PARTITIONS;

  private final Vertx vertx;
  private final TrackerConfig config;
  private final KafkaStreams streams;
  private final HostInfo self;
  private final Metrics metrics;
  private final WebClient client;
  private final InstanceRouting routing;
  private final ClusterRequests cluster;
  private final HolderRanking ranking;
  private final PeerDirectory directory;
  private final HolderIndex holderIndex;
  private final Health health;
  private final Map<String, AtomicLong> turns = new ConcurrentHashMap<>();
  /** Segments no peer holds that a peer is fetching from an edge (lookups with {@code claim=true}). */
  private final EdgeFetchClaims edgeFetches = new EdgeFetchClaims();
  private final Counter lookups;
  /** The last {@code /songs/popular} answer per limit, reused for {@link #POPULAR_REUSE_MS}. */
  private final Map<Integer, Answer> popular = new ConcurrentHashMap<>();

  /** An answer and when it was made (ms since the epoch). */
  private record Answer(JsonObject body, long atMs) {}

  /**
   * How long a {@code /songs/popular} answer is reused, ms: every peer asks it every {@code WARM_START_MS}
   * (1 s), and each fresh answer scans every instance's holder counts, so a thousand peers cost one scan a
   * second, not a thousand.
   */
  static final long POPULAR_REUSE_MS = 1000;

  /**
   * @param streams this instance's Streams (not necessarily started yet)
   * @param self this instance's {@code application.server}
   */
  public TrackerHttp(Vertx vertx, TrackerConfig config, KafkaStreams streams, HostInfo self, Metrics metrics,
      PeerDirectory directory, HolderIndex holderIndex) {
    this.vertx = vertx;
    this.config = config;
    this.streams = streams;
    this.self = self;
    this.metrics = metrics;
    this.directory = directory;
    this.holderIndex = holderIndex;
    // HTTPS to the other instances when this one serves it: they share the certificate settings.
    this.client = WebClient.create(vertx, config.common().tls().peerClient(new WebClientOptions().setKeepAlive(true)));
    this.cluster = ClusterRequests.of(config.streams().trust());
    this.routing = new InstanceRouting(streams, self, client, metrics, PARTITIONS, cluster);
    this.ranking = new HolderRanking(config.rttBucketMs(), config.loadBucket());
    this.health = StreamsApp.health(streams, Set.of(KafkaStreams.State.RUNNING));
    this.lookups = Counter.builder("cdn.tracker.lookups").description("segment holder lookups answered")
        .register(metrics.registry());
  }

  /** Streams changed state: ownership snapshots are taken again once it is RUNNING. */
  public void stateChanged() {
    routing.stateChanged();
  }

  /** A router with every route, {@code /health}, {@code /metrics} and the error envelope (ServiceRouter). */
  public Router router() {
    Router router = ServiceRouter.create(vertx, health, metrics);
    // One check for every cluster-internal request, before any route: /internal/* and forwarded queries.
    router.route().handler(ClusterRequests.guard(cluster, ctx -> ctx.request().path().startsWith(INTERNAL)
        || ctx.request().getHeader(InstanceRouting.FORWARDED) != null));
    router.getWithRegex("/segments/(.+)/peers").handler(this::lookup);
    router.get("/peers").handler(this::peers);
    router.get("/peers/:peerId").handler(this::peer);
    router.get("/content").handler(this::content);
    router.get("/songs/popular").handler(this::popular);
    router.get("/songs/:songId/availability").handler(this::availability);
    new SteeringRoute(directory, config.steeringTtl()).install(router);
    router.get("/stats").handler(this::stats);
    router.get(INTERNAL + "local/peers").handler(this::localPeers);
    router.get(INTERNAL + "local/content").handler(this::localContent);
    return router;
  }

  /** {@code GET /segments/{segmentId}/peers?region=&exclude=&limit=}: ranked holders. */
  private void lookup(RoutingContext ctx) {
    String segmentId = ctx.pathParam("param0");
    if (Ids.SegmentId.parse(segmentId).isEmpty()) {
      throw ApiError.badRequest("invalid_segment_id", "segment id must be <songId>/<rendition>/<file>");
    }
    String region = region(ctx.request().getParam("region"));
    Set<String> exclude = excluded(ctx.request().getParam("exclude"));
    int limit = limit(ctx.request().getParam("limit"));
    String requester = exclude.isEmpty() ? null : exclude.iterator().next();
    boolean claim = claim(ctx.request().getParam("claim"), requester);
    routing.byKey(ctx, TrackerStores.SEGMENT_HOLDERS, segmentId, (partition, stale, vouched) -> {
      // Interactive queries decide whether this copy may answer (active and running, or stale
      // allowed); the holders are then read from that store partition's own map (HolderIndex).
      // When this RUNNING period's ownership snapshot vouches for the active copy, Streams is not
      // asked again (its task lock, taken per query, stalled the event loops: README "Benchmark");
      // HolderIndex still refuses a partition whose store is closed. Otherwise KafkaStreams.store()
      // checks lazily: the first call on it throws InvalidStateStoreException when this partition
      // may not answer here.
      if (!vouched) {
        routing.store(TrackerStores.SEGMENT_HOLDERS, QueryableStoreTypes.<String, Long>keyValueStore(), partition,
            stale).approximateNumEntries();
      }
      List<String> ids = holderIndex.holders(partition, segmentId);
      var ranked = ranking.rank(ids, directory::get, requester, region, exclude, limit, turn(segmentId));
      lookups.increment();
      if (ranked.isEmpty() && ids.stream().noneMatch(id -> directory.get(id) != null)) {
        throw noHolder(segmentId, requester, claim && !stale);
      }
      edgeFetches.held(segmentId);
      return LookupJson.encode(segmentId, ranked);
    });
  }

  /**
   * The 404 of a segment no live peer holds: {@code being_fetched} when another peer claimed it within
   * {@link EdgeFetchClaims#TTL_MS} (it is fetching it from an edge), else {@code unknown_segment}; with
   * {@code claim}, the requester claims it when no other claim stands.
   */
  private ApiError noHolder(String segmentId, String requester, boolean claim) {
    long now = System.currentTimeMillis();
    EdgeFetchClaims.Claim other = claim ? edgeFetches.claim(segmentId, requester, now)
        : edgeFetches.standing(segmentId, requester, now);
    if (other != null) {
      return ApiError.notFound("being_fetched", "no live peer holds segment " + segmentId + "; peer "
          + other.peerId() + " has been fetching it from an edge for " + (now - other.atMs()) + " ms");
    }
    return ApiError.notFound("unknown_segment", "no live peer holds segment " + segmentId);
  }

  /** {@code claim}: absent or {@code false}, or {@code true} with a requester (the first of {@code exclude}). */
  private static boolean claim(String param, String requester) {
    if (param == null || param.isEmpty() || param.equals("false")) {
      return false;
    }
    if (!param.equals("true")) {
      throw ApiError.badRequest("invalid_claim", "claim must be true or false");
    }
    if (requester == null) {
      throw ApiError.badRequest("claim_without_requester",
          "claim=true needs the requester's peer id first in exclude");
    }
    return true;
  }

  private static String region(String region) {
    if (region == null || region.isEmpty()) {
      return null;
    }
    if (!Ids.isRegion(region)) {
      throw ApiError.badRequest("invalid_region", "region must match " + Ids.REGION.pattern());
    }
    return region;
  }

  private static Set<String> excluded(String param) {
    Set<String> exclude = new LinkedHashSet<>();
    if (param == null || param.isEmpty()) {
      return exclude;
    }
    for (String id : param.split(",", -1)) {
      if (!Ids.isNodeId(id)) {
        throw ApiError.badRequest("invalid_peer_id", "exclude must be comma-separated peer ids: '" + id + "'");
      }
      exclude.add(id);
    }
    if (exclude.size() > MAX_EXCLUDED) {
      throw ApiError.badRequest("too_many_excluded", "exclude lists at most " + MAX_EXCLUDED + " peers");
    }
    return exclude;
  }

  private static int limit(String param) {
    if (param == null || param.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    int limit;
    try {
      limit = Integer.parseInt(param);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiError.badRequest("invalid_limit", "limit must be an integer from 1 to " + MAX_LIMIT);
    }
    return limit;
  }

  private long turn(String segmentId) {
    if (turns.size() > MAX_ROTATION_KEYS) {
      turns.clear(); // rotation is best effort; a reset only restarts the round
    }
    return turns.computeIfAbsent(segmentId, k -> new AtomicLong()).getAndIncrement();
  }

  /** {@code GET /peers/{peerId}}: one live peer with its recent load windows. */
  private void peer(RoutingContext ctx) {
    String peerId = ctx.pathParam("peerId");
    if (!Ids.isNodeId(peerId)) {
      throw ApiError.badRequest("invalid_peer_id", "peer id must match " + Ids.NODE_ID.pattern());
    }
    routing.byKey(ctx, TrackerStores.PEERS, peerId, (partition, stale, vouched) -> {
      ReadOnlyKeyValueStore<String, PeerState> peers = routing.store(TrackerStores.PEERS,
          QueryableStoreTypes.keyValueStore(), partition, stale);
      ReadOnlyWindowStore<String, LoadWindow> windows = routing.store(TrackerStores.PEER_LOAD_WINDOWS,
          QueryableStoreTypes.windowStore(), partition, stale);
      JsonObject peer = LocalQueries.peer(peers, windows, peerId, config.loadWindow().toMillis(), LOAD_WINDOWS_SHOWN,
          System.currentTimeMillis());
      if (peer == null) {
        throw ApiError.notFound("unknown_peer", "no live peer " + peerId);
      }
      return peer.toBuffer();
    });
  }

  /** {@code GET /peers}: every live peer, gathered from every instance. */
  private void peers(RoutingContext ctx) {
    routing.gather(ctx, "/internal/local/peers", this::localPeersJson)
        .onSuccess(parts -> TrackerJson.send(ctx, TrackerJson.mergePeers(parts)));
  }

  /** {@code GET /content}: songs and segments in the swarm with holder counts, from every instance. */
  private void content(RoutingContext ctx) {
    routing.gather(ctx, "/internal/local/content", this::localContentJson)
        .onSuccess(parts -> TrackerJson.send(ctx, LocalQueries.content(TrackerJson.mergeCounts(parts))));
  }

  /**
   * {@code GET /songs/{songId}/availability}: how many live holders each segment of the song has,
   * {@code {"songId","segments":{segmentId: holders}}} (segments nobody holds are absent), gathered
   * from every instance: what a peer's read-ahead orders by, rarest first (issue 14, seed 002).
   */
  private void availability(RoutingContext ctx) {
    String songId = ctx.pathParam("songId");
    if (!Ids.isSongId(songId)) {
      throw ApiError.badRequest("invalid_song_id", "song id must match " + Ids.SONG_ID.pattern());
    }
    routing.gather(ctx, "/internal/local/content?song=" + songId, () -> localContentJson(songId))
        .onSuccess(parts -> {
          JsonObject segments = new JsonObject();
          TrackerJson.mergeCounts(parts).forEach(segments::put);
          TrackerJson.send(ctx, new JsonObject().put("songId", songId).put("segments", segments));
        });
  }

  /**
   * {@code GET /songs/popular?limit=N}: the songs with the most live holdings, most first, each with its
   * holdings per rendition, {@code {"songs":[{"songId","holders","renditions":{rendition: holders}}]}},
   * gathered from every instance (an answer is reused for {@value #POPULAR_REUSE_MS} ms): what peers keep the
   * start of ready for their players (peer-vertx {@code WarmStarts}). 400 {@code invalid_limit}.
   */
  private void popular(RoutingContext ctx) {
    int limit = limit(ctx.request().getParam("limit"));
    Answer last = popular.get(limit);
    long now = System.currentTimeMillis();
    if (last != null && now - last.atMs() < POPULAR_REUSE_MS) {
      TrackerJson.send(ctx, last.body());
      return;
    }
    routing.gather(ctx, "/internal/local/content", this::localContentJson).onSuccess(parts -> {
      JsonObject body = LocalQueries.popular(TrackerJson.mergeCounts(parts), limit);
      popular.put(limit, new Answer(body, now));
      TrackerJson.send(ctx, body);
    });
  }

  private void localPeers(RoutingContext ctx) {
    routing.requireRunning();
    TrackerJson.send(ctx, localPeersJson());
  }

  private void localContent(RoutingContext ctx) {
    routing.requireRunning();
    String song = ctx.request().getParam("song");
    if (song != null && !Ids.isSongId(song)) {
      throw ApiError.badRequest("invalid_song_id", "song id must match " + Ids.SONG_ID.pattern());
    }
    TrackerJson.send(ctx, localContentJson(song));
  }

  /** Per partition this instance actively owns: {@code {"peers":[...]}}. */
  private JsonObject localPeersJson() {
    return TrackerJson.partitions(activePartitions(p -> new JsonObject().put("peers", LocalQueries.peers(
        routing.store(TrackerStores.PEERS, QueryableStoreTypes.<String, PeerState>keyValueStore(), p, false)))));
  }

  private JsonObject localContentJson() {
    return localContentJson(null);
  }

  /**
   * Per partition this instance actively owns: {@code {"counts":{segmentId: holders}}}, of one song's
   * segments when {@code songId} is not null.
   */
  private JsonObject localContentJson(String songId) {
    return TrackerJson.partitions(activePartitions(p -> {
      JsonObject counts = new JsonObject();
      LocalQueries.holderCounts(routing.store(TrackerStores.SEGMENT_HOLDER_COUNTS,
          QueryableStoreTypes.<String, Integer>keyValueStore(), p, false), songId == null ? "" : songId + "/")
          .forEach(counts::put);
      return new JsonObject().put("counts", counts);
    }));
  }

  private static Map<Integer, JsonObject> activePartitions(IntFunction<JsonObject> part) {
    Map<Integer, JsonObject> parts = new TreeMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      try {
        parts.put(p, part.apply(p));
      } catch (InvalidStateStoreException e) {
        // not active here
      }
    }
    return parts;
  }

  /** {@code GET /stats}: this instance's state, counters and partitions. */
  private void stats(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("instance", self.toString()).put("state", streams.state().name())
        .put("lookups", (long) lookups.count()).mergeIn(routing.counts()).put("livePeers", directory.size());
    var expirations = metrics.registry().find("cdn.tracker.expirations").counter();
    body.put("expirations", expirations == null ? 0 : (long) expirations.count());
    var paused = metrics.registry().find("cdn.tracker.reaping.paused").gauge();
    body.put("reapingPaused", paused != null && paused.value() > 0);
    JsonArray active = new JsonArray();
    JsonArray standby = new JsonArray();
    try {
      streams.metadataForLocalThreads().forEach(t -> {
        t.activeTasks().forEach(task -> task.topicPartitions().forEach(tp -> active.add(tp.toString())));
        t.standbyTasks().forEach(task -> task.topicPartitions().forEach(tp -> standby.add(tp.toString())));
      });
    } catch (RuntimeException ignored) {
      // not started yet
    }
    body.put("activePartitions", active).put("standbyPartitions", standby)
        .put("peerTtlMs", config.peerTtl().toMillis()).put("heartbeatIntervalMs", config.heartbeatInterval().toMillis());
    TrackerJson.send(ctx, body);
  }

  /** Closes the forwarding client. */
  public void close() {
    client.close();
  }
}
