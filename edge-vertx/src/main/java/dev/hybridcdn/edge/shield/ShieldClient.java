package dev.hybridcdn.edge.shield;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.edge.cache.DependencyState;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.http.KeepAlive;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The origin shield (tiered cache): other edges this edge asks for a segment it misses, before the
 * origin. Each segment has one shield among {@code EDGE_SHIELDS}, chosen by rendezvous (highest
 * random weight) hashing of the shield id and the segment id, so every edge of a deployment sends
 * a segment's misses to the same shield, whose single flight makes them one origin fetch; with one
 * shield listed it is a per-deployment parent. A segment whose shield is this edge goes to the
 * origin (so every edge may be given the same list).
 *
 * <p>No new single point of failure: a shield that fails (refused, reset, no answer within the
 * shield timeout, or a 5xx) is skipped, and the edge asks the origin itself; after a transport
 * failure or 5xx the shield is skipped for {@code retryAfter} ({@link DependencyState}), so an
 * outage costs one failed attempt per interval, not one per request. Requests carry
 * {@value CdnHeaders#SHIELD_REQUEST}: the shield never forwards them to a shield of its own (no
 * loops) and counts them as EdgeServed requester EDGE.
 */
public final class ShieldClient {
  /**
   * One shield edge.
   *
   * @param id its {@code EDGE_ID}
   * @param url its base URL, no trailing slash
   */
  public record Shield(String id, String url) {}

  /**
   * A shield's 200 answer.
   *
   * @param body the segment's bytes (to be checked by the caller)
   * @param result the tier that answered at the shield, from its {@code X-Cache}: MISS when the shield
   *     fetched it from the origin for this request
   */
  public record Answer(Shield shield, Buffer body, EdgeResult result) {}

  private final String edgeId;
  private final List<Shield> shields;
  private final Map<String, DependencyState> states = new LinkedHashMap<>();
  private final long timeoutMs;
  private final WebClient client;
  private final UpstreamTokens upstream;
  private final Counter fetches;
  private final Counter fallbacks;

  /**
   * @param edgeId this edge's id (a segment whose shield it is goes to the origin)
   * @param timeout bound on one request to a shield: connect, headers and body
   * @param retryAfter how long a failed shield is skipped
   * @param sourceAddress local address of the connections, empty: the OS picks
   * @param tls the CA an {@code https://} shield's certificate is checked against (besides the JVM's)
   * @param upstream signs this edge's requests when the shield wants player tokens ({@code PLAYER_TOKEN_SECRET})
   */
  public ShieldClient(Vertx vertx, String edgeId, List<Shield> shields, Duration timeout, Duration retryAfter,
      String sourceAddress, TlsSettings tls, UpstreamTokens upstream, MeterRegistry metrics) {
    this.edgeId = edgeId;
    this.upstream = upstream;
    this.shields = List.copyOf(shields);
    for (Shield s : shields) {
      states.put(s.id(), new DependencyState("shield " + s.id(), retryAfter.toMillis()));
    }
    this.timeoutMs = timeout.toMillis();
    WebClientOptions options = tls.client(new WebClientOptions().setConnectTimeout((int) timeoutMs).setTcpNoDelay(true)
        .setUserAgent("hybrid-cdn-edge"));
    KeepAlive.client(options);
    if (!sourceAddress.isEmpty()) {
      options.setLocalAddress(sourceAddress);
    }
    this.client = shields.isEmpty() ? null : WebClient.create(vertx, options, new PoolOptions().setHttp1MaxSize(64));
    this.fetches = Counter.builder("cdn.edge.shield.fetches")
        .description("segments this edge missed and its shield edge answered").register(metrics);
    this.fallbacks = Counter.builder("cdn.edge.shield.fallbacks")
        .description("segments this edge missed whose shield failed or was skipped, asked of the origin instead")
        .register(metrics);
  }

  /**
   * Parses {@code EDGE_SHIELDS}: comma-separated {@code <edge id>=<http(s) base URL>}; empty: none.
   *
   * @throws ConfigException naming {@code variable} on a malformed entry or a repeated id
   */
  public static List<Shield> parse(String variable, String value) {
    List<Shield> out = new ArrayList<>();
    for (String part : value.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      String id = eq < 0 ? "" : part.substring(0, eq).strip();
      if (!Ids.isNodeId(id) || out.stream().anyMatch(s -> s.id().equals(id))) {
        throw new ConfigException(variable, value,
            "comma-separated <edge id>=<http URL> entries with distinct ids, e.g. edge-2=http://edge-2:8083");
      }
      // Env checks the URL (http or https, a host) and drops a trailing slash, naming the variable.
      out.add(new Shield(id, new Env(Map.of(variable, part.substring(eq + 1).strip())).httpUrl(variable, null)));
    }
    return List.copyOf(out);
  }

  /** The shields configured, in order. */
  public List<Shield> shields() {
    return shields;
  }

  /**
   * True when this edge is the segment's shield (the rendezvous winner) or has no shield: its own
   * misses of the segment go to the origin, never to another edge, so another edge's shield request
   * for it may join this edge's own fetch without any wait on a shield (no cycle). Counts nothing.
   */
  public boolean isOwnSegment(String segmentId) {
    Shield best = winner(segmentId);
    return best == null || best.id().equals(edgeId);
  }

  private Shield winner(String segmentId) {
    Shield best = null;
    long bestWeight = Long.MIN_VALUE;
    for (Shield s : shields) {
      long w = weight(s.id(), segmentId);
      if (best == null || w > bestWeight) {
        best = s;
        bestWeight = w;
      }
    }
    return best;
  }

  /**
   * The shield to ask for a segment this edge missed: the rendezvous winner, unless it is this edge
   * or is skipped after a failure (then empty, and a skip is counted as a fallback).
   */
  public Optional<Shield> shieldFor(String segmentId) {
    Shield best = winner(segmentId);
    if (best == null || best.id().equals(edgeId)) {
      return Optional.empty();
    }
    if (!states.get(best.id()).usable()) {
      fallbacks.increment();
      return Optional.empty();
    }
    return Optional.of(best);
  }

  /** Rendezvous weight of a shield for a segment (higher wins); the same on every edge. */
  // FNV-1a over "shield|segment", then SplitMix64's 64-bit finaliser so similar ids spread.
  public static long weight(String shieldId, String segmentId) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (shieldId + "|" + segmentId).getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  /**
   * GETs the segment from the shield.
   *
   * @return its 200 answer; fails on any other status, a transport failure or the timeout (the
   *     caller then asks the origin and {@link #fellBack()} counts it)
   */
  public Future<Answer> get(Shield shield, String segmentId) {
    DependencyState state = states.get(shield.id());
    return client.getAbs(upstream.segmentUrl(shield.url(), segmentId)).putHeader(CdnHeaders.SHIELD_REQUEST, edgeId)
        .idleTimeout(timeoutMs).send().timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .andThen(ar -> {
          if (ar.failed() || ar.result().statusCode() >= 500) {
            state.failure(ar.failed() ? ar.cause() : new IllegalStateException("answered " + ar.result().statusCode()));
          } else {
            state.success();
          }
        })
        .compose(r -> {
          if (r.statusCode() != 200) {
            return Future.failedFuture("shield " + shield.id() + " answered " + r.statusCode() + " for " + segmentId);
          }
          fetches.increment();
          return Future.succeededFuture(new Answer(shield, r.body() == null ? Buffer.buffer() : r.body(),
              result(r.getHeader(CdnHeaders.CACHE))));
        });
  }

  /** Counts a segment asked of the origin because its shield failed. */
  public void fellBack() {
    fallbacks.increment();
  }

  /** Segments shields answered so far ({@code cdn_edge_shield_fetches_total}). */
  public long fetches() {
    return (long) fetches.count();
  }

  /** Segments asked of the origin after their shield failed or was skipped ({@code cdn_edge_shield_fallbacks_total}). */
  public long fallbacks() {
    return (long) fallbacks.count();
  }

  // The shield's X-Cache; anything unknown is taken as MISS (the origin may have been asked).
  private static EdgeResult result(String xCache) {
    if ("HIT-MEMORY".equals(xCache)) {
      return EdgeResult.HIT_MEMORY;
    }
    return "HIT-DB".equals(xCache) ? EdgeResult.HIT_DB : EdgeResult.MISS;
  }

  public Future<Void> close() {
    if (client != null) {
      client.close();
    }
    return Future.succeededFuture();
  }
}
