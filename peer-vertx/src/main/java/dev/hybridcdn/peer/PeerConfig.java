package dev.hybridcdn.peer;

import dev.hybridcdn.peer.route.RouteConfig;
import dev.hybridcdn.peer.upload.UplinkBudget;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.List;

/**
 * Settings of one peer, read once from the environment ({@link #from(Env)}). Durations are in
 * milliseconds (variables end in {@code _MS}), sizes in bytes.
 *
 * @param peerId {@code PEER_ID}, {@code [A-Za-z0-9._-]{1,64}}; default {@code peer-<HTTP_PORT>}
 * @param region {@code REGION}, default {@code local}
 * @param httpPort {@code HTTP_PORT}, default 9000; 0 picks a free port
 * @param bindHost {@code BIND_HOST}, default {@code 0.0.0.0}
 * @param advertisedHost {@code ADVERTISED_HOST}: host other peers reach this peer at, default {@code 127.0.0.1}
 * @param edgeUrls {@code EDGE_URLS}, comma-separated, default {@code http://127.0.0.1:8082}
 * @param trackerUrls {@code TRACKER_URLS}, comma-separated instances of one tracker application
 *     (any of them answers any lookup), default {@code http://127.0.0.1:7070}; {@code TRACKER_URL}
 *     (one URL) is read as a synonym when {@code TRACKER_URLS} is unset, setting both is an error
 * @param p2pEnabled {@code P2P_ENABLED}, default true; false = edge only, no tracker lookups (the demo's baseline)
 * @param cacheBytes {@code CACHE_BYTES}, byte budget of the segment cache, default 256 MiB
 * @param uploadSlots {@code UPLOAD_SLOTS}, regular upload slots, default 4
 * @param optimisticSlots {@code OPTIMISTIC_SLOTS}, 0 or 1, default 1
 * @param uplink {@code UPLINK_BITS_PER_SECOND} (the upload rate granted, bit/s; default 0 = unknown)
 *     and {@code UPLOAD_QUEUE_MS} (default 1000): an upload that would wait longer behind the
 *     others is refused ({@link UplinkBudget})
 * @param peerTimeout {@code PEER_TIMEOUT_MS}, per attempt at one holder, default 500
 * @param p2pBudget {@code P2P_BUDGET_MS}, total time a player request may spend on the tracker and peers before the edge is asked, default 1500
 * @param trackerTimeout {@code TRACKER_TIMEOUT_MS}, default 300
 * @param edgeTimeout {@code EDGE_TIMEOUT_MS}, per attempt at one edge, default 5000
 * @param penalty {@code PENALTY_MS}, how long a holder that sent wrong bytes is not asked again, default 60000
 * @param heartbeat {@code HEARTBEAT_MS}, PeerHeartbeat period H, default 2000
 * @param probeInterval {@code PROBE_MS}, /ping probe period for neighbours and edges, default 5000
 * @param readAhead {@code READ_AHEAD}, segments fetched in the background after segment n, default 3
 * @param readAheadMedia {@code READ_AHEAD_MS}: with P2P on, read-ahead covers at least this much
 *     media after segment n (the player's 30 s buffer goal plus a margin for thin uplinks), default 60000
 * @param maxDownloads {@code MAX_DOWNLOADS}, concurrent fetches a peer runs; read-ahead stops beyond it, default 4
 * @param rechoke {@code RECHOKE_MS}, period of recomputing the regular (unchoked) slots, default 10000 (BitTorrent's)
 * @param optimisticRotation {@code OPTIMISTIC_ROTATE_MS}, optimistic unchoke rotation, default 30000 (BitTorrent's)
 * @param manifestTtl {@code MANIFEST_TTL_MS}, how long a fetched manifest is reused, default 60000
 * @param trackerRetry {@code TRACKER_RETRY_MS}, how long a tracker instance that failed (refused,
 *     timed out, 5xx) is passed over while another answers, default 10000
 * @param holderBackoff {@code HOLDER_BACKOFF_MS}, how long a holder that timed out, could not be
 *     reached or answered 5xx (503 included) is skipped; doubled at each further failure within
 *     {@code PENALTY_MS} of the last, at most {@code PENALTY_MS}; default 2000
 * @param idleTimeout {@code IDLE_TIMEOUT_MS}, a client connection with no byte read or written
 *     for this long is closed; 0 keeps idle connections open; default 60000, above the clients'
 *     30 s keep-alive ({@code servicekit.http.KeepAlive}), so a request never meets the close
 * @param writeTimeout {@code WRITE_TIMEOUT_MS}, an answer of which the client takes no byte for
 *     this long closes its connection (and frees its upload slot), default 20000
 * @param playerHedge {@code PLAYER_HEDGE_MS}: a player's segment not answered within this long is also
 *     fetched from the edges, and the first verified copy answers (the peer fetch goes on and
 *     caches); 0 = off; only with P2P on; default 300
 * @param sourceAddress {@code SOURCE_ADDRESS}: local address of every outgoing connection (to
 *     holders, edges, the tracker), default empty (the OS picks); a local stack's emulated network
 *     (service-kit {@code ShapedNetwork}) tells nodes apart by it
 * @param route {@code TOPOLOGY_URL}, {@code ACCEPTS_INBOUND}, {@code RELAY_URL}, ...: path-aware
 *     holder choice and relays (issue 15, {@link RouteConfig})
 * @param common {@code KAFKA_BOOTSTRAP_SERVERS}, {@code TOPIC_PREFIX}
 */
public record PeerConfig(String peerId, String region, int httpPort, String bindHost, String advertisedHost,
    List<String> edgeUrls, List<String> trackerUrls, boolean p2pEnabled, long cacheBytes, int uploadSlots,
    int optimisticSlots, UplinkBudget.Limit uplink, Duration peerTimeout, Duration p2pBudget,
    Duration trackerTimeout, Duration edgeTimeout, Duration penalty, Duration heartbeat, Duration probeInterval,
    int readAhead, Duration readAheadMedia, int maxDownloads,
    Duration rechoke, Duration optimisticRotation, Duration manifestTtl, Duration trackerRetry,
    Duration holderBackoff, Duration idleTimeout, Duration writeTimeout, Duration playerHedge, String sourceAddress,
    RouteConfig route, CommonConfig common) {

  public static final int DEFAULT_HTTP_PORT = 9000;
  public static final String DEFAULT_TRACKER_URL = "http://127.0.0.1:7070";
  public static final String DEFAULT_EDGE_URLS = "http://127.0.0.1:8082";
  public static final long DEFAULT_CACHE_BYTES = 256L * 1024 * 1024;
  public static final int DEFAULT_UPLOAD_SLOTS = 4;
  public static final int DEFAULT_READ_AHEAD = 3;
  /** hls.js's 30 s buffer goal plus as much again: a holder on a thin uplink gets seconds per segment. */
  public static final Duration DEFAULT_READ_AHEAD_MEDIA = Duration.ofSeconds(60);
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(2000);
  /** A few edge round trips under the default network model, well under the peer budget. */
  public static final Duration DEFAULT_PLAYER_HEDGE = Duration.ofMillis(300);

  public PeerConfig {
    if (!Ids.isNodeId(peerId)) {
      throw new ConfigException("PEER_ID", peerId, "[A-Za-z0-9._-]{1,64}");
    }
    if (!Ids.isRegion(region)) {
      throw new ConfigException("REGION", region, "a region such as eu-west ([a-z0-9][a-z0-9-]{0,31})");
    }
    if (edgeUrls.isEmpty()) {
      throw new ConfigException("EDGE_URLS", "", "at least one edge URL");
    }
    edgeUrls = List.copyOf(edgeUrls);
    if (trackerUrls.isEmpty()) {
      throw new ConfigException("TRACKER_URLS", "", "at least one tracker URL");
    }
    trackerUrls = List.copyOf(trackerUrls);
  }

  /** Reads every variable above; throws {@link ConfigException} naming the first bad one. */
  public static PeerConfig from(Env env) {
    int port = env.port("HTTP_PORT", DEFAULT_HTTP_PORT);
    String defaultId = port == 0 ? "peer-" + Long.toHexString(System.nanoTime() & 0xffffffL) : "peer-" + port;
    String id = env.string("PEER_ID", defaultId, Ids::isNodeId, "[A-Za-z0-9._-]{1,64}");
    String region = env.string("REGION", "local", Ids::isRegion, "a region such as eu-west");
    String bind = CommonConfig.from(env).bindHost(); // BIND_HOST, read one way for every service
    String advertised = env.string("ADVERTISED_HOST", "127.0.0.1", s -> s.matches("[A-Za-z0-9.-]+"),
        "a host name or IPv4 address");
    List<String> edges = env.httpUrls("EDGE_URLS", DEFAULT_EDGE_URLS);
    if (edges.isEmpty()) {
      throw new ConfigException("EDGE_URLS", env.raw("EDGE_URLS"), "at least one http:// URL");
    }
    Duration min = Duration.ofMillis(1);
    return new PeerConfig(id, region, port, bind, advertised, edges,
        trackerUrls(env),
        env.bool("P2P_ENABLED", true),
        env.longValue("CACHE_BYTES", DEFAULT_CACHE_BYTES, 1024, Long.MAX_VALUE),
        env.integer("UPLOAD_SLOTS", DEFAULT_UPLOAD_SLOTS, 1, 1000),
        env.integer("OPTIMISTIC_SLOTS", 1, 0, 1),
        UplinkBudget.Limit.from(env),
        env.millis("PEER_TIMEOUT_MS", Duration.ofMillis(500), min, Duration.ofMinutes(1)),
        env.millis("P2P_BUDGET_MS", Duration.ofMillis(1500), min, Duration.ofMinutes(1)),
        env.millis("TRACKER_TIMEOUT_MS", Duration.ofMillis(300), min, Duration.ofMinutes(1)),
        env.millis("EDGE_TIMEOUT_MS", Duration.ofMillis(5000), min, Duration.ofMinutes(5)),
        env.millis("PENALTY_MS", Duration.ofMillis(60_000), Duration.ZERO, Duration.ofDays(1)),
        env.millis("HEARTBEAT_MS", DEFAULT_HEARTBEAT, Duration.ofMillis(50), Duration.ofMinutes(10)),
        env.millis("PROBE_MS", Duration.ofMillis(5000), Duration.ofMillis(50), Duration.ofMinutes(10)),
        env.integer("READ_AHEAD", DEFAULT_READ_AHEAD, 0, 100),
        env.millis("READ_AHEAD_MS", DEFAULT_READ_AHEAD_MEDIA, Duration.ZERO, Duration.ofHours(1)),
        env.integer("MAX_DOWNLOADS", 4, 1, 1000),
        env.millis("RECHOKE_MS", Duration.ofMillis(10_000), Duration.ofMillis(10), Duration.ofHours(1)),
        env.millis("OPTIMISTIC_ROTATE_MS", Duration.ofMillis(30_000), Duration.ofMillis(10), Duration.ofHours(1)),
        env.millis("MANIFEST_TTL_MS", Duration.ofMillis(60_000), Duration.ZERO, Duration.ofDays(1)),
        env.millis("TRACKER_RETRY_MS", Duration.ofMillis(10_000), Duration.ofMillis(10), Duration.ofHours(1)),
        env.millis("HOLDER_BACKOFF_MS", Duration.ofMillis(2000), Duration.ZERO, Duration.ofHours(1)),
        env.millis("IDLE_TIMEOUT_MS", Duration.ofMillis(60_000), Duration.ZERO, Duration.ofDays(1)),
        env.millis("WRITE_TIMEOUT_MS", Duration.ofMillis(20_000), min, Duration.ofMinutes(10)),
        env.millis("PLAYER_HEDGE_MS", DEFAULT_PLAYER_HEDGE, Duration.ZERO, Duration.ofMinutes(1)),
        env.string("SOURCE_ADDRESS", "", s -> s.matches("[0-9.]*"), "an IPv4 address"),
        RouteConfig.from(env),
        CommonConfig.from(env));
  }

  /** {@code TRACKER_URLS}, or its one-URL synonym {@code TRACKER_URL}; not both. */
  private static List<String> trackerUrls(Env env) {
    if (env.raw("TRACKER_URL") != null) {
      if (env.raw("TRACKER_URLS") != null) {
        throw new ConfigException("TRACKER_URL", env.raw("TRACKER_URL"), "unset when TRACKER_URLS is set");
      }
      return List.of(env.httpUrl("TRACKER_URL", DEFAULT_TRACKER_URL));
    }
    List<String> urls = env.httpUrls("TRACKER_URLS", DEFAULT_TRACKER_URL);
    if (urls.isEmpty()) {
      throw new ConfigException("TRACKER_URLS", env.raw("TRACKER_URLS"), "at least one http:// URL");
    }
    return urls;
  }

  /** The same settings for another identity (host mode: one template, N peers). */
  public PeerConfig withIdentity(String newId, String newRegion, int newPort) {
    return new PeerConfig(newId, newRegion, newPort, bindHost, advertisedHost, edgeUrls, trackerUrls, p2pEnabled,
        cacheBytes, uploadSlots, optimisticSlots, uplink, peerTimeout, p2pBudget, trackerTimeout, edgeTimeout, penalty,
        heartbeat, probeInterval, readAhead, readAheadMedia, maxDownloads, rechoke, optimisticRotation, manifestTtl, trackerRetry,
        holderBackoff, idleTimeout, writeTimeout, playerHedge, sourceAddress, route, common);
  }

  /**
   * The same settings on an address of its own: the server binds it, other peers are told it, and
   * outgoing connections leave from it (one loopback address per hosted peer under an emulated network).
   */
  public PeerConfig withAddress(String address) {
    return new PeerConfig(peerId, region, httpPort, address, address, edgeUrls, trackerUrls, p2pEnabled,
        cacheBytes, uploadSlots, optimisticSlots, uplink, peerTimeout, p2pBudget, trackerTimeout, edgeTimeout, penalty,
        heartbeat, probeInterval, readAhead, readAheadMedia, maxDownloads, rechoke, optimisticRotation, manifestTtl, trackerRetry,
        holderBackoff, idleTimeout, writeTimeout, playerHedge, address, route, common);
  }

  /**
   * The same settings with uploads limited to {@code bitsPerSecond} (a local stack's peer on an
   * emulated uplink of that rate).
   */
  public PeerConfig withUplink(long bitsPerSecond) {
    return new PeerConfig(peerId, region, httpPort, bindHost, advertisedHost, edgeUrls, trackerUrls, p2pEnabled,
        cacheBytes, uploadSlots, optimisticSlots, uplink.withRate(bitsPerSecond), peerTimeout, p2pBudget,
        trackerTimeout, edgeTimeout, penalty, heartbeat, probeInterval, readAhead, readAheadMedia, maxDownloads,
        rechoke, optimisticRotation, manifestTtl, trackerRetry, holderBackoff, idleTimeout, writeTimeout,
        playerHedge, sourceAddress, route, common);
  }

  /** The same settings with other routing (tests; a host's peers behind NAT). */
  public PeerConfig withRoute(RouteConfig newRoute) {
    return new PeerConfig(peerId, region, httpPort, bindHost, advertisedHost, edgeUrls, trackerUrls, p2pEnabled,
        cacheBytes, uploadSlots, optimisticSlots, uplink, peerTimeout, p2pBudget, trackerTimeout, edgeTimeout, penalty,
        heartbeat, probeInterval, readAhead, readAheadMedia, maxDownloads, rechoke, optimisticRotation, manifestTtl, trackerRetry,
        holderBackoff, idleTimeout, writeTimeout, playerHedge, sourceAddress, newRoute, common);
  }

  /** Regular plus optimistic slots: the figure announced in PeerJoined. */
  public int totalUploadSlots() {
    return uploadSlots + optimisticSlots;
  }
}
