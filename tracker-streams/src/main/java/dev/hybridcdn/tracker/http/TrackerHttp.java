package dev.hybridcdn.tracker.http;

import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.Health;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.tracker.TrackerConfig;
import dev.hybridcdn.tracker.index.HolderIndex;
import dev.hybridcdn.tracker.index.HolderRanking;
import dev.hybridcdn.tracker.index.LoadWindow;
import dev.hybridcdn.tracker.index.LocalQueries;
import dev.hybridcdn.tracker.index.PeerDirectory;
import dev.hybridcdn.tracker.index.PeerState;
import dev.hybridcdn.tracker.index.TrackerStores;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracker's HTTP API (ARCHITECTURE.md, "tracker 7070"; README "HTTP shapes"). Any instance
 * answers any key: a key owned elsewhere is forwarded to its active owner (Streams metadata,
 * {@code application.server}); when the owner cannot answer (rebalancing, gone), a standby answers
 * with {@code X-Stale: true}; when no copy is queryable, 503 with {@code Retry-After}. Never an
 * empty answer made up from a store that is not there. Queries over all keys ({@code /peers},
 * {@code /content}) gather the local part of every instance and fail with 503 if one is missing.
 *
 * <p>Internal routes (between instances): {@code /internal/local/peers},
 * {@code /internal/local/content}; forwarded requests carry {@value #FORWARDED}.
 */
public final class TrackerHttp {
  private static final Logger LOG = LoggerFactory.getLogger(TrackerHttp.class);
  private static final CharSequence CONTENT_TYPE = io.vertx.core.http.HttpHeaders.createOptimized("Content-Type");
  private static final CharSequence APPLICATION_JSON = io.vertx.core.http.HttpHeaders.createOptimized("application/json");
  /** Header on a request one instance forwards to another; the receiver answers from local state only. */
  public static final String FORWARDED = "X-Tracker-Forwarded";
  /** Header of an answer from a standby replica or a restoring store. */
  public static final String STALE = "X-Stale";
  /** Default and maximum {@code limit} of a lookup. */
  public static final int DEFAULT_LIMIT = 10;
  public static final int MAX_LIMIT = 200;
  private static final int LOAD_WINDOWS_SHOWN = 10;
  private static final int MAX_ROTATION_KEYS = 200_000;
  private static final long FORWARD_TIMEOUT_MS = 3000;
  /** Partitions of every tracker store: those of the peer-keyed topics (the repartition topic inherits them). */
  private static final int PARTITIONS = dev.hybridcdn.schemas.topics.CdnTopic.PEER_PARTITIONS;

  private final Vertx vertx;
  private final TrackerConfig config;
  private final Supplier<KafkaStreams> streams;
  private final HostInfo self;
  private final Metrics metrics;
  private final WebClient client;
  private final HolderRanking ranking;
  private final PeerDirectory directory;
  private final HolderIndex holderIndex;
  private final Map<String, AtomicLong> turns = new ConcurrentHashMap<>();
  private final Counter lookups;
  private final Counter forwards;
  private final Counter staleAnswers;
  private final Counter unavailable;

  /**
   * @param streams the running Streams instance (may be null until started)
   * @param self this instance's {@code application.server}
   */
  public TrackerHttp(Vertx vertx, TrackerConfig config, Supplier<KafkaStreams> streams, HostInfo self,
      Metrics metrics, PeerDirectory directory, HolderIndex holderIndex) {
    this.directory = directory;
    this.holderIndex = holderIndex;
    this.vertx = vertx;
    this.config = config;
    this.streams = streams;
    this.self = self;
    this.metrics = metrics;
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true));
    this.ranking = new HolderRanking(config.rttBucketMs(), config.loadBucket());
    this.lookups = Counter.builder("cdn.tracker.lookups").description("segment holder lookups answered")
        .register(metrics.registry());
    this.forwards = Counter.builder("cdn.tracker.forwarded.queries")
        .description("queries forwarded to the instance owning the key").register(metrics.registry());
    this.staleAnswers = Counter.builder("cdn.tracker.stale.answers")
        .description("answers from a standby or restoring store (X-Stale: true)").register(metrics.registry());
    this.unavailable = Counter.builder("cdn.tracker.unavailable.answers")
        .description("503 answers: no queryable copy of the key").register(metrics.registry());
  }

  /** The router: every route plus the error envelope as failure handler. */
  public Router router() {
    Router router = Router.router(vertx);
    Health health = new Health().required("streams", () -> {
      KafkaStreams s = streams.get();
      KafkaStreams.State st = s == null ? null : s.state();
      return Future.succeededFuture(st == KafkaStreams.State.RUNNING ? Health.Check.up("RUNNING")
          : Health.Check.down(st == null ? "not started" : st.name()));
    });
    router.get("/health").handler(health::handle);
    router.get("/metrics").handler(metrics::handle);
    router.getWithRegex("/segments/(.+)/peers").handler(this::lookup);
    router.get("/peers").handler(this::peers);
    router.get("/peers/:peerId").handler(this::peer);
    router.get("/content").handler(this::content);
    router.get("/stats").handler(this::stats);
    router.get("/internal/local/peers").handler(this::localPeers);
    router.get("/internal/local/content").handler(this::localContent);
    router.route().last().handler(ctx -> ctx.fail(404));
    router.route().failureHandler(ApiError.failureHandler());
    return router;
  }

  // ---- GET /segments/{segmentId}/peers?region=&exclude=&limit=

  private void lookup(RoutingContext ctx) {
    String segmentId = ctx.pathParam("param0");
    if (Ids.SegmentId.parse(segmentId).isEmpty()) {
      throw ApiError.badRequest("invalid_segment_id", "segment id must be <songId>/<rendition>/<file>");
    }
    String region = ctx.request().getParam("region");
    if (region != null && !region.isEmpty() && !Ids.isRegion(region)) {
      throw ApiError.badRequest("invalid_region", "region must match " + Ids.REGION.pattern());
    }
    region = region == null || region.isEmpty() ? null : region;
    Set<String> exclude = new LinkedHashSet<>();
    String ex = ctx.request().getParam("exclude");
    if (ex != null && !ex.isEmpty()) {
      for (String id : ex.split(",", -1)) {
        if (!Ids.isNodeId(id)) {
          throw ApiError.badRequest("invalid_peer_id", "exclude must be comma-separated peer ids: '" + id + "'");
        }
        exclude.add(id);
      }
      if (exclude.size() > 1000) {
        throw ApiError.badRequest("too_many_excluded", "exclude lists at most 1000 peers");
      }
    }
    int limit = DEFAULT_LIMIT;
    String l = ctx.request().getParam("limit");
    if (l != null && !l.isEmpty()) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw ApiError.badRequest("invalid_limit", "limit must be an integer from 1 to " + MAX_LIMIT);
      }
    }
    String requester = exclude.isEmpty() ? null : exclude.iterator().next();
    String finalRegion = region;
    int finalLimit = limit;
    byKey(ctx, TrackerStores.SEGMENT_HOLDERS, segmentId, (partition, stale) -> {
      // Interactive queries decide whether this copy may answer (active and running, or stale
      // allowed); the holders are then read from that store partition's own map (HolderIndex).
      // KafkaStreams.store() checks lazily: the first call on it throws InvalidStateStoreException
      // when this partition may not answer here.
      store(TrackerStores.SEGMENT_HOLDERS, partition, stale).approximateNumEntries();
      List<String> ids = holderIndex.holders(partition, segmentId);
      var ranked = ranking.rank(ids, directory::get, requester, finalRegion, exclude, finalLimit, turn(segmentId));
      lookups.increment();
      if (ranked.isEmpty() && ids.stream().noneMatch(id -> directory.get(id) != null)) {
        throw ApiError.notFound("unknown_segment", "no live peer holds segment " + segmentId);
      }
      return LookupJson.encode(segmentId, ranked);
    });
  }

  private long turn(String segmentId) {
    if (turns.size() > MAX_ROTATION_KEYS) {
      turns.clear(); // rotation is best effort; a reset only restarts the round
    }
    return turns.computeIfAbsent(segmentId, k -> new AtomicLong()).getAndIncrement();
  }

  // ---- GET /peers/{peerId}

  private void peer(RoutingContext ctx) {
    String peerId = ctx.pathParam("peerId");
    if (!Ids.isNodeId(peerId)) {
      throw ApiError.badRequest("invalid_peer_id", "peer id must match " + Ids.NODE_ID.pattern());
    }
    byKey(ctx, TrackerStores.PEERS, peerId, (partition, stale) -> {
      ReadOnlyKeyValueStore<String, PeerState> peers = store(TrackerStores.PEERS, partition, stale);
      KafkaStreams s = requireStreams();
      StoreQueryParameters<ReadOnlyWindowStore<String, LoadWindow>> p = StoreQueryParameters.fromNameAndType(
          TrackerStores.PEER_LOAD_WINDOWS, QueryableStoreTypes.<String, LoadWindow>windowStore()).withPartition(partition);
      ReadOnlyWindowStore<String, LoadWindow> windows = s.store(stale ? p.enableStaleStores() : p);
      JsonObject peer = LocalQueries.peer(peers, windows, peerId, config.loadWindow().toMillis(), LOAD_WINDOWS_SHOWN,
          System.currentTimeMillis());
      if (peer == null) {
        throw ApiError.notFound("unknown_peer", "no live peer " + peerId);
      }
      return peer.encode();
    });
  }

  /**
   * A local answer (encoded JSON) computed from a store partition; {@code stale} when read from a
   * standby / restoring copy.
   */
  @FunctionalInterface
  private interface LocalAnswer {
    String answer(int partition, boolean stale);
  }

  /**
   * Answers a query about one key: locally when this instance is the active owner and RUNNING;
   * else forwarded to the owner; else from a local standby (stale); else 503.
   */
  private void byKey(RoutingContext ctx, String storeName, String key, LocalAnswer local) {
    KafkaStreams s = streams.get();
    if (s == null) {
      unavailable(ctx, "the tracker is starting");
      return;
    }
    KeyQueryMetadata meta;
    try {
      meta = s.queryMetadataForKey(storeName, key, new StringSerializer());
    } catch (RuntimeException e) {
      meta = KeyQueryMetadata.NOT_AVAILABLE;
    }
    boolean forwarded = ctx.request().getHeader(FORWARDED) != null;
    boolean running = s.state() == KafkaStreams.State.RUNNING;
    int partition = meta.partition();
    if (meta != KeyQueryMetadata.NOT_AVAILABLE && self.equals(meta.activeHost()) && running) {
      if (answerLocally(ctx, local, partition, false)) {
        return;
      }
    }
    if (forwarded || meta == KeyQueryMetadata.NOT_AVAILABLE || self.equals(meta.activeHost())) {
      // Answer from whatever copy this instance has (standby or restoring), marked stale.
      if (partition >= 0 && answerLocally(ctx, local, partition, true)) {
        return;
      }
      unavailable(ctx, "no queryable copy of the key on this instance (rebalancing)");
      return;
    }
    List<HostInfo> targets = new ArrayList<>();
    targets.add(meta.activeHost());
    boolean selfStandby = meta.standbyHosts().contains(self);
    for (HostInfo h : meta.standbyHosts()) {
      if (!h.equals(self)) {
        targets.add(h);
      }
    }
    int p = partition;
    forward(ctx, targets, 0).onComplete(ar -> {
      if (ar.succeeded()) {
        return;
      }
      if (selfStandby && answerLocally(ctx, local, p, true)) {
        return;
      }
      unavailable(ctx, "the instance owning the key did not answer: " + ar.cause().getMessage());
    });
  }

  /** @return false when the store is not queryable here (the caller tries elsewhere) */
  private boolean answerLocally(RoutingContext ctx, LocalAnswer local, int partition, boolean stale) {
    String body;
    try {
      body = local.answer(partition, stale);
    } catch (InvalidStateStoreException e) {
      LOG.debug("store not queryable (partition {}, stale {}): {}", partition, stale, e.getMessage());
      return false;
    } catch (ApiError e) {
      if (stale && e.status() == 404) {
        return false; // a lagging copy may not know the key yet: 503 rather than a wrong 404
      }
      e.send(ctx);
      return true;
    }
    if (stale) {
      staleAnswers.increment();
      ctx.response().putHeader(STALE, "true");
    }
    ctx.response().setStatusCode(200).putHeader(CONTENT_TYPE, APPLICATION_JSON).end(body);
    return true;
  }

  /** Relays the first target that answers (2xx or 4xx); fails when none does. */
  private Future<Void> forward(RoutingContext ctx, List<HostInfo> targets, int i) {
    if (i >= targets.size()) {
      return Future.failedFuture("no instance answered");
    }
    HostInfo h = targets.get(i);
    forwards.increment();
    return client.get(h.port(), h.host(), ctx.request().uri()).putHeader(FORWARDED, self.toString())
        .timeout(FORWARD_TIMEOUT_MS).send()
        .transform(ar -> {
          if (ar.succeeded() && ar.result().statusCode() < 500) {
            relay(ctx, ar.result());
            return Future.<Void>succeededFuture();
          }
          LOG.debug("forward to {} failed: {}", h, ar.succeeded() ? ar.result().statusCode() : ar.cause());
          return forward(ctx, targets, i + 1);
        });
  }

  private static void relay(RoutingContext ctx, HttpResponse<Buffer> r) {
    var resp = ctx.response().setStatusCode(r.statusCode()).putHeader("Content-Type", "application/json");
    if (r.getHeader(STALE) != null) {
      resp.putHeader(STALE, r.getHeader(STALE));
    }
    resp.end(r.body() == null ? Buffer.buffer() : r.body());
  }

  private void unavailable(RoutingContext ctx, String why) {
    unavailable.increment();
    ctx.response().putHeader("Retry-After", "1");
    new ApiError(503, "unavailable", why).send(ctx);
  }

  // ---- all-keys queries: GET /peers, GET /content

  private void peers(RoutingContext ctx) {
    gather(ctx, TrackerStores.PEERS, "/internal/local/peers", this::localPeersJson).onSuccess(parts -> {
      List<JsonObject> all = new ArrayList<>();
      parts.forEach(p -> p.getJsonArray("peers").forEach(o -> all.add((JsonObject) o)));
      all.sort(java.util.Comparator.comparing(o -> o.getString("peerId")));
      json(ctx, 200, new JsonObject().put("peers", new JsonArray(new ArrayList<>(all))).put("count", all.size()));
    });
  }

  private void content(RoutingContext ctx) {
    gather(ctx, TrackerStores.SEGMENT_HOLDER_COUNTS, "/internal/local/content", this::localContentJson)
        .onSuccess(parts -> {
          Map<String, Integer> counts = new TreeMap<>();
          parts.forEach(p -> p.getJsonObject("counts").forEach(e -> counts.merge(e.getKey(),
              ((Number) e.getValue()).intValue(), Integer::sum)));
          json(ctx, 200, LocalQueries.content(counts));
        });
  }

  private void localPeers(RoutingContext ctx) {
    requireRunning();
    json(ctx, 200, localPeersJson());
  }

  private void localContent(RoutingContext ctx) {
    requireRunning();
    json(ctx, 200, localContentJson());
  }

  /** {@code {"partitions":{"<p>":{"peers":[...]}}}}: per partition this instance actively owns, its peers. */
  private JsonObject localPeersJson() {
    JsonObject parts = new JsonObject();
    for (int p = 0; p < PARTITIONS; p++) {
      try {
        parts.put(Integer.toString(p), new JsonObject().put("peers",
            LocalQueries.peers(this.<PeerState>store(TrackerStores.PEERS, p, false))));
      } catch (InvalidStateStoreException e) {
        // not active here
      }
    }
    return new JsonObject().put("partitions", parts);
  }

  /** {@code {"partitions":{"<p>":{"counts":{segmentId: holders}}}}} per partition this instance actively owns. */
  private JsonObject localContentJson() {
    JsonObject parts = new JsonObject();
    for (int p = 0; p < PARTITIONS; p++) {
      try {
        JsonObject counts = new JsonObject();
        LocalQueries.holderCounts(this.<Integer>store(TrackerStores.SEGMENT_HOLDER_COUNTS, p, false))
            .forEach(counts::put);
        parts.put(Integer.toString(p), new JsonObject().put("counts", counts));
      } catch (InvalidStateStoreException e) {
        // not active here
      }
    }
    return new JsonObject().put("partitions", parts);
  }

  /**
   * Collects the local part of every instance hosting {@code storeName}; 503 (and a failed future)
   * when Streams is not RUNNING or any instance does not answer, so no partial list is served.
   */
  private Future<List<JsonObject>> gather(RoutingContext ctx, String storeName, String internalPath,
      Supplier<JsonObject> local) {
    KafkaStreams s = streams.get();
    if (s == null || s.state() != KafkaStreams.State.RUNNING) {
      unavailable(ctx, "the tracker is rebalancing; retry shortly");
      return Future.failedFuture("not running");
    }
    List<Future<JsonObject>> parts = new ArrayList<>();
    for (StreamsMetadata m : s.metadataForAllStreamsClients()) {
      if (m.hostInfo().equals(self)) {
        try {
          parts.add(Future.succeededFuture(local.get()));
        } catch (InvalidStateStoreException e) {
          parts.add(Future.failedFuture(e));
        }
      } else {
        parts.add(client.get(m.port(), m.host(), internalPath).putHeader(FORWARDED, self.toString())
            .timeout(FORWARD_TIMEOUT_MS).send().compose(r -> r.statusCode() == 200 ? Future.succeededFuture(
                r.bodyAsJsonObject()) : Future.failedFuture(m.hostInfo() + " answered " + r.statusCode())));
      }
    }
    if (parts.isEmpty()) {
      unavailable(ctx, "no instance hosts the tracker state yet");
      return Future.failedFuture("no instance");
    }
    return Future.all(parts).transform(ar -> {
      if (ar.failed()) {
        unavailable(ctx, "an instance did not answer: " + ar.cause().getMessage());
        return Future.failedFuture(ar.cause());
      }
      // Keep each partition once; an incomplete cover (ownership moved between metadata and
      // query) is a 503, never a partial list.
      Map<Integer, JsonObject> byPartition = new TreeMap<>();
      for (Future<JsonObject> f : parts) {
        f.result().getJsonObject("partitions", new JsonObject())
            .forEach(e -> byPartition.putIfAbsent(Integer.parseInt(e.getKey()), (JsonObject) e.getValue()));
      }
      if (byPartition.size() < PARTITIONS) {
        unavailable(ctx, "partitions are moving between instances; retry shortly");
        return Future.failedFuture("incomplete");
      }
      List<JsonObject> out = new ArrayList<>(byPartition.values());
      return Future.succeededFuture(out);
    });
  }

  // ---- GET /stats

  private void stats(RoutingContext ctx) {
    KafkaStreams s = streams.get();
    JsonObject body = new JsonObject().put("instance", self.toString())
        .put("state", s == null ? "NOT_STARTED" : s.state().name())
        .put("lookups", (long) lookups.count()).put("forwardedQueries", (long) forwards.count())
        .put("staleAnswers", (long) staleAnswers.count()).put("unavailableAnswers", (long) unavailable.count());
    try {
      body.put("livePeers", directory.size());
    } catch (RuntimeException e) {
      body.putNull("livePeers");
    }
    var expirations = metrics.registry().find("cdn.tracker.expirations").counter();
    body.put("expirations", expirations == null ? 0 : (long) expirations.count());
    JsonArray active = new JsonArray();
    JsonArray standby = new JsonArray();
    if (s != null) {
      try {
        s.metadataForLocalThreads().forEach(t -> t.activeTasks().forEach(task -> task.topicPartitions()
            .forEach(tp -> active.add(tp.toString()))));
        s.metadataForLocalThreads().forEach(t -> t.standbyTasks().forEach(task -> task.topicPartitions()
            .forEach(tp -> standby.add(tp.toString()))));
      } catch (RuntimeException ignored) {
        // not started yet
      }
    }
    body.put("activePartitions", active).put("standbyPartitions", standby)
        .put("peerTtlMs", config.peerTtl().toMillis()).put("heartbeatIntervalMs", config.heartbeatInterval().toMillis());
    json(ctx, 200, body);
  }

  // ---- helpers

  private KafkaStreams requireStreams() {
    KafkaStreams s = streams.get();
    if (s == null) {
      throw new InvalidStateStoreException("streams not started");
    }
    return s;
  }

  private void requireRunning() {
    KafkaStreams s = streams.get();
    if (s == null || s.state() != KafkaStreams.State.RUNNING) {
      throw new ApiError(503, "unavailable", "the tracker is rebalancing; retry shortly");
    }
  }

  private <V> ReadOnlyKeyValueStore<String, V> store(String name, Integer partition, boolean stale) {
    StoreQueryParameters<ReadOnlyKeyValueStore<String, V>> p =
        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore());
    if (partition != null) {
      p = p.withPartition(partition);
    }
    return requireStreams().store(stale ? p.enableStaleStores() : p);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(CONTENT_TYPE, APPLICATION_JSON).end(body.encode());
  }

  /** Closes the forwarding client. */
  public void close() {
    client.close();
  }
}
