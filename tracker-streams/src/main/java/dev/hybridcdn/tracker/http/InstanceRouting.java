package dev.hybridcdn.tracker.http;

import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.identity.ClusterRequests;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.streamskit.query.KeyOwnership;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interactive-query routing between tracker instances (the role of {@code MetadataService} in
 * confluentinc/kafka-streams-examples): which instance owns a key (Streams metadata,
 * {@code application.server}), forwarding to it with {@value #FORWARDED}, answers from a standby
 * or restoring copy marked {@value #STALE}, 503 with {@code Retry-After} when no copy can answer,
 * and scatter-gather of the local part of every instance for queries over all keys. Never an empty
 * answer made up from a store that is not there.
 */
public final class InstanceRouting {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceRouting.class);
  /** Header on a request one instance forwards to another; the receiver answers from local state only. */
  public static final String FORWARDED = "X-Tracker-Forwarded";
  /** Header of an answer from a standby replica or a restoring store. */
  public static final String STALE = "X-Stale";
  private static final long FORWARD_TIMEOUT_MS = 3000;

  /**
   * A local answer (UTF-8 JSON) from one store partition; {@code stale} when read from a standby or
   * restoring copy; {@code vouched} when this instance is the partition's active owner by the
   * ownership snapshot of the current RUNNING period ({@link KeyOwnership}), so the answer needs no
   * further Streams check before reading the partition's store.
   */
  @FunctionalInterface
  interface LocalAnswer {
    Buffer answer(int partition, boolean stale, boolean vouched);
  }

  private final KafkaStreams streams;
  private final HostInfo self;
  private final WebClient client;
  private final int partitions;
  private final ClusterRequests cluster;
  private final Counter forwards;
  private final Counter staleAnswers;
  private final Counter unavailable;
  private final Map<String, KeyOwnership> ownership = new ConcurrentHashMap<>();

  /**
   * @param self this instance's {@code application.server}
   * @param partitions partitions of every store queried (gather answers only with all of them)
   * @param cluster signs the requests to other instances; null without a cluster secret
   */
  InstanceRouting(KafkaStreams streams, HostInfo self, WebClient client, Metrics metrics, int partitions,
      ClusterRequests cluster) {
    this.cluster = cluster;
    this.streams = streams;
    this.self = self;
    this.client = client;
    this.partitions = partitions;
    this.forwards = Counter.builder("cdn.tracker.forwarded.queries")
        .description("queries forwarded to the instance owning the key").register(metrics.registry());
    this.staleAnswers = Counter.builder("cdn.tracker.stale.answers")
        .description("answers from a standby or restoring store (X-Stale: true)").register(metrics.registry());
    this.unavailable = Counter.builder("cdn.tracker.unavailable.answers")
        .description("503 answers: no queryable copy of the key").register(metrics.registry());
  }

  /**
   * Answers a query about one key: locally when this instance is the active owner and RUNNING;
   * else forwarded to the owner, then its standbys; else from a local standby (stale); else 503.
   */
  void byKey(RoutingContext ctx, String storeName, String key, LocalAnswer local) {
    KeyOwnership.Owner owner = ownership.computeIfAbsent(storeName, s -> new KeyOwnership(streams, s, partitions))
        .of(key);
    KeyQueryMetadata meta = owner.metadata();
    boolean forwarded = ctx.request().getHeader(FORWARDED) != null;
    boolean available = meta != KeyQueryMetadata.NOT_AVAILABLE;
    int partition = meta.partition();
    if (available && self.equals(meta.activeHost()) && running()
        && answerLocally(ctx, local, partition, false, owner.fromSnapshot())) {
      return;
    }
    if (forwarded || !available || self.equals(meta.activeHost())) {
      if (partition >= 0 && answerLocally(ctx, local, partition, true, false)) {
        return;
      }
      unavailable(ctx, "no queryable copy of the key on this instance (rebalancing)");
      return;
    }
    List<HostInfo> targets = new ArrayList<>();
    targets.add(meta.activeHost());
    meta.standbyHosts().stream().filter(h -> !h.equals(self)).forEach(targets::add);
    boolean selfStandby = meta.standbyHosts().contains(self);
    forward(ctx, targets, 0).onFailure(e -> {
      if (!(selfStandby && answerLocally(ctx, local, partition, true, false))) {
        unavailable(ctx, "the instance owning the key did not answer: " + e.getMessage());
      }
    });
  }

  /** @return false when the store is not queryable here (the caller tries elsewhere) */
  private boolean answerLocally(RoutingContext ctx, LocalAnswer local, int partition, boolean stale,
      boolean vouched) {
    Buffer body;
    try {
      body = local.answer(partition, stale, vouched);
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
    TrackerJson.send(ctx, body);
    return true;
  }

  /** Relays the first target that answers (2xx or 4xx); fails when none does. */
  private Future<Void> forward(RoutingContext ctx, List<HostInfo> targets, int i) {
    if (i >= targets.size()) {
      return Future.failedFuture("no instance answered");
    }
    HostInfo h = targets.get(i);
    forwards.increment();
    return toInstance(h, ctx.request().uri()).send()
        .transform(ar -> {
          if (ar.succeeded() && ar.result().statusCode() < 500) {
            relay(ctx, ar.result());
            return Future.<Void>succeededFuture();
          }
          LOG.debug("forward to {} failed: {}", h, ar.succeeded() ? ar.result().statusCode() : ar.cause());
          return forward(ctx, targets, i + 1);
        });
  }

  /** A GET to another instance, marked forwarded and, with a cluster secret, signed. */
  private HttpRequest<Buffer> toInstance(HostInfo h, String uri) {
    HttpRequest<Buffer> req = client.get(h.port(), h.host(), uri).putHeader(FORWARDED, self.toString())
        .timeout(FORWARD_TIMEOUT_MS);
    if (cluster != null) {
      req.putHeader(ClusterRequests.HEADER, cluster.sign("GET", uri));
    }
    return req;
  }

  private static void relay(RoutingContext ctx, HttpResponse<Buffer> r) {
    var resp = ctx.response().setStatusCode(r.statusCode()).putHeader(TrackerJson.CONTENT_TYPE, TrackerJson.JSON);
    if (r.getHeader(STALE) != null) {
      resp.putHeader(STALE, r.getHeader(STALE));
    }
    resp.end(r.body() == null ? Buffer.buffer() : r.body());
  }

  /** Streams changed state: every ownership snapshot is dropped (taken again once RUNNING). */
  void stateChanged() {
    ownership.values().forEach(KeyOwnership::stateChanged);
  }

  /** 503 with {@code Retry-After: 1}. */
  void unavailable(RoutingContext ctx, String why) {
    unavailable.increment();
    ctx.response().putHeader("Retry-After", "1");
    new ApiError(503, "unavailable", why).send(ctx);
  }

  /**
   * Collects the local part ({@code {"partitions":{"<p>":{...}}}}) of every instance; 503 (and a
   * failed future) when Streams is not RUNNING, an instance does not answer, or the parts do not
   * cover every partition, so no partial list is served.
   *
   * @return each partition's part once, by partition
   */
  Future<List<JsonObject>> gather(RoutingContext ctx, String internalPath, Supplier<JsonObject> local) {
    if (!running()) {
      unavailable(ctx, "the tracker is rebalancing; retry shortly");
      return Future.failedFuture("not running");
    }
    List<Future<JsonObject>> parts = new ArrayList<>();
    for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
      if (m.hostInfo().equals(self)) {
        try {
          parts.add(Future.succeededFuture(local.get()));
        } catch (InvalidStateStoreException e) {
          parts.add(Future.failedFuture(e));
        }
      } else {
        parts.add(toInstance(m.hostInfo(), internalPath).send().compose(r -> r.statusCode() == 200 ? Future.succeededFuture(
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
      // Ownership may move between metadata and query: keep each partition once, and answer
      // only with all of them.
      Map<Integer, JsonObject> byPartition = new TreeMap<>();
      for (Future<JsonObject> f : parts) {
        f.result().getJsonObject("partitions", new JsonObject())
            .forEach(e -> byPartition.putIfAbsent(Integer.parseInt(e.getKey()), (JsonObject) e.getValue()));
      }
      if (byPartition.size() < partitions) {
        unavailable(ctx, "partitions are moving between instances; retry shortly");
        return Future.failedFuture("incomplete");
      }
      return Future.succeededFuture(new ArrayList<>(byPartition.values()));
    });
  }

  /**
   * A local store (one partition, or all with {@code partition == null}); {@code stale} accepts a
   * standby or restoring copy.
   *
   * @throws InvalidStateStoreException when that copy is not queryable here
   */
  <T> T store(String name, QueryableStoreType<T> type, Integer partition, boolean stale) {
    StoreQueryParameters<T> p = StoreQueryParameters.fromNameAndType(name, type);
    if (partition != null) {
      p = p.withPartition(partition);
    }
    return streams.store(stale ? p.enableStaleStores() : p);
  }

  /** @throws ApiError 503 unless Streams is RUNNING */
  void requireRunning() {
    if (!running()) {
      throw new ApiError(503, "unavailable", "the tracker is rebalancing; retry shortly");
    }
  }

  private boolean running() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** {@code forwardedQueries}, {@code staleAnswers}, {@code unavailableAnswers} for {@code /stats}. */
  JsonObject counts() {
    return new JsonObject().put("forwardedQueries", (long) forwards.count())
        .put("staleAnswers", (long) staleAnswers.count()).put("unavailableAnswers", (long) unavailable.count());
  }
}
