package dev.hybridcdn.peer.host;

import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.catalog.CatalogListener;
import dev.hybridcdn.peer.events.ExpiryListener;
import dev.hybridcdn.peer.fetch.ManifestStore;
import dev.hybridcdn.peer.identity.PeerAdmissions;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.servicekit.events.EventPublisher;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.vertx.Blocking;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs N peers in one JVM (host mode, and the ordinary way to run one peer): all share one Vert.x,
 * one WebClient, one {@link EventPublisher} and one metrics registry; each has its own id, port,
 * cache and region. The start methods block until every peer listens.
 *
 * <pre>{@code
 * try (PeerHost host = PeerHost.start(PeerHostConfig.from(Env.system()))) {
 *   HostedPeer p = host.peers().get(0);   // p.baseUrl() -> http://127.0.0.1:9000
 * }
 * }</pre>
 *
 * Churn: {@link #startPeer(PeerConfig)} adds a peer; {@link #stopPeer(String, boolean)} removes one,
 * cleanly (PeerLeft, the tracker drops it at once) or as a crash (no PeerLeft, no more heartbeats;
 * the tracker reaps it after its TTL). A peer the tracker expired while it was alive re-announces
 * in full when the host's {@link ExpiryListener} reads its PeerExpired (readmission). The host's
 * {@link CatalogListener} follows {@code cdn.catalog}: new song versions and retired segments.
 */
public final class PeerHost implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerHost.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final PeerHostConfig config;
  private final Shared shared;
  private final ExpiryListener expiries;
  private final CatalogListener catalog;
  private final Map<String, PeerNode> peers = new ConcurrentHashMap<>();
  private final List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;
  /** One WebSocket client for every hosted peer's signalling connection, null without signalling. */
  private final io.vertx.core.http.WebSocketClient signallingClient;

  private PeerHost(Vertx vertx, boolean ownsVertx, PeerHostConfig config) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.config = config;
    PeerConfig t = config.template();
    Metrics metrics = new Metrics();
    HttpClient http = Shared.httpClient(vertx, "", t.common().tls());
    WebClient client = Shared.webClient(http);
    // Load the Avro codec (schema history, fingerprints) here rather than on a peer's event loop.
    t.common().topics().codec().encode(t.common().topics().name(CdnTopic.PEER_EVENTS),
        PeerLeft.newBuilder().setPeerId(t.peerId()).setTs(0).setReason("warm-up").build());
    EventPublisher publisher = new EventPublisher(t.common().kafkaClient(), "peer-host-" + t.peerId(),
        t.common().topics(), EventPublisher.DEFAULT_BUFFER_EVENTS, metrics.registry());
    UpstreamTokens upstream = UpstreamTokens.of(config.playerTokens());
    this.shared = new Shared(vertx, http, client, client, publisher, metrics,
        new ManifestStore(client, t.manifestTtl().toMillis(), upstream), PeerAdmissions.of(config.trust()), upstream,
        t.common().tls());
    // wss:// to a stack's own CA (cdn up --tls) needs TLS_CA_FILE, as the HTTP clients do.
    this.signallingClient = config.distribution().enabled()
        ? vertx.createWebSocketClient(t.common().tls().client(new WebSocketClientOptions())) : null;
    // Readmission: a hosted peer the tracker expired while it was alive re-announces in full.
    this.expiries = ExpiryListener.start(t.common().kafkaClient(), t.common().topics(),
        "peer-host-" + t.peerId(), this::reannounce, metrics.registry());
    // Content versions: new versions drop the cached manifest, retired segments leave every cache.
    this.catalog = CatalogListener.start(t.common().kafkaClient(), t.common().topics(),
        "peer-host-" + t.peerId(), shared.manifests(),
        () -> peers.values().stream().map(PeerNode::cache).toList(), metrics.registry());
  }

  private boolean reannounce(String peerId) {
    PeerNode node = peers.get(peerId);
    if (node == null) {
      return false;
    }
    node.reannounce();
    return true;
  }

  /** Starts the host on its own Vert.x (closed by {@link #close()}). Blocks until all peers listen. */
  public static PeerHost start(PeerHostConfig config) {
    return Blocking.onOwnVertx(vertx -> startOn(vertx, true, config));
  }

  /** Starts the host on a shared Vert.x (left open by {@link #close()}). Blocks until all peers listen. */
  public static PeerHost start(Vertx vertx, PeerHostConfig config) {
    return startOn(vertx, false, config);
  }

  private static PeerHost startOn(Vertx vertx, boolean owns, PeerHostConfig config) {
    ensureTopics(config.template(), config.topicsTimeout());
    PeerHost host = new PeerHost(vertx, owns, config);
    try {
      // Peers behind NAT (PEER_RELAYS) start after the others: their RELAY_URL is their relay's
      // base URL, known once it listens. peers() keeps index order all the same.
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < config.peerCount(); i++) {
        ids.add(config.peer(i).peerId());
        if (config.relayOf(i) == null) {
          host.deploy(config.peer(i));
        }
      }
      for (int i = 0; i < config.peerCount(); i++) {
        String relay = config.relayOf(i);
        if (relay != null) {
          PeerConfig c = config.peer(i);
          host.deploy(c.withRoute(c.route().behindNat(host.peers.get(relay).baseUrl())));
        }
      }
      host.order.clear();
      host.order.addAll(ids);
      return host;
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  private static void ensureTopics(PeerConfig t, Duration timeout) {
    if (timeout.isZero()) {
      return;
    }
    try {
      TopicAdmin.ensureTopics(t.common().kafkaClient(), t.common().topics(), t.common().replicationFactor(), timeout);
    } catch (RuntimeException e) {
      // Events are buffered and delivered when the broker returns; players must not wait for it.
      LOG.warn("could not make sure the topics exist ({}); starting anyway, events stay buffered", e.toString());
    }
  }

  /** The host's {@code cdn.catalog} listener (content versions). */
  public CatalogListener catalog() {
    return catalog;
  }

  /** Starts one more peer (churn). Blocks until it listens. */
  public HostedPeer startPeer(PeerConfig peerConfig) {
    if (closed) {
      throw new IllegalStateException("host is closed");
    }
    if (peers.containsKey(peerConfig.peerId())) {
      throw new IllegalArgumentException("peer " + peerConfig.peerId() + " already runs in this host");
    }
    return deploy(peerConfig);
  }

  private PeerNode deploy(PeerConfig peerConfig) {
    PeerNode node = new PeerNode(peerConfig, shared.forSource(peerConfig.sourceAddress()), config.distribution(),
        signallingClient, config.warmStarts());
    if (peers.putIfAbsent(peerConfig.peerId(), node) != null) {
      throw new IllegalArgumentException("duplicate peer id " + peerConfig.peerId());
    }
    order.add(peerConfig.peerId());
    try {
      node.start(vertx, START_TIMEOUT);
      return node;
    } catch (RuntimeException e) {
      peers.remove(peerConfig.peerId());
      order.remove(peerConfig.peerId());
      throw e;
    }
  }

  /**
   * Stops one peer.
   *
   * @param clean true: PeerLeft is published (clean shutdown); false: a crash, nothing more is
   *     published by that peer and it simply stops answering
   * @throws IllegalArgumentException for an unknown peer id
   */
  public void stopPeer(String peerId, boolean clean) {
    PeerNode node = peers.remove(peerId);
    if (node == null) {
      throw new IllegalArgumentException("no peer " + peerId + " in this host");
    }
    order.remove(peerId);
    node.beforeStop(clean);
    await(node.stop(), Duration.ofSeconds(10));
  }

  /** Running peers in start order. */
  public List<HostedPeer> peers() {
    List<HostedPeer> list = new ArrayList<>();
    for (String id : order) {
      PeerNode n = peers.get(id);
      if (n != null) {
        list.add(n);
      }
    }
    return list;
  }

  /** The running peer with this id, or null. */
  public PeerNode peer(String peerId) {
    return peers.get(peerId);
  }

  /** Port of the first peer (a one-peer host's port). */
  public int port() {
    List<HostedPeer> list = peers();
    return list.isEmpty() ? -1 : list.get(0).port();
  }

  public PeerHostConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The shared event publisher (its counters: sent, dropped, buffered). */
  public EventPublisher publisher() {
    return shared.publisher();
  }

  /** The shared Prometheus registry. */
  public Metrics metrics() {
    return shared.metrics();
  }

  /**
   * Stops every peer cleanly (PeerLeft each), flushes buffered events (up to 5 s), closes the
   * WebClient, and the Vert.x when the host owns it.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    expiries.close();
    catalog.close();
    if (signallingClient != null) {
      signallingClient.close();
    }
    for (String id : List.copyOf(order)) {
      try {
        stopPeer(id, true);
      } catch (RuntimeException e) {
        LOG.warn("stopping peer {} failed: {}", id, e.toString());
      }
    }
    shared.publisher().close(Duration.ofSeconds(5));
    shared.client().close();
    if (ownsVertx) {
      try {
        await(vertx.close(), Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        LOG.warn("closing Vert.x failed: {}", e.toString());
      }
    }
  }

  private static <T> T await(Future<T> f, Duration timeout) {
    return Blocking.await(f, timeout, "peer host");
  }
}
