package dev.hybridcdn.servicekit.network;

import dev.hybridcdn.servicekit.vertx.Blocking;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emulated network of a local stack (the kernel here has no netem, so it is emulated in
 * process). Every node gets its own loopback address ({@code 127.0.1.1}, {@code 127.0.1.2}, ...);
 * a node's server listens on {@code 127.0.0.1} and a <em>front</em> (a shaping TCP proxy) listens on
 * the node's address. Clients connect from their own node's address
 * ({@link #source(HttpClientOptions, NetNode)}), so the front knows both ends of each connection and
 * applies the {@link NetworkModel}: a new connection costs one round trip before its first byte
 * arrives; every chunk of at most 16 KiB is paced on the sender's uplink and the receiver's downlink
 * ({@link LinkClock}s shared by all of a node's connections) and arrives one one-way latency later.
 * A connection books its next chunk on the links only when its previous one is through ({@link Pipe}),
 * so a node's connections take turns chunk by chunk (a fair queue, as fq_codel, Linux's default
 * queueing discipline, gives flows), rather than each booking all it has buffered ahead of the others.
 * A client from an unknown address (the tracker, the CLI, 127.0.0.1) and a node talking to itself
 * (a player on its peer's machine) pass unshaped. Nodes can be cut off from the others and joined
 * again ({@link #cutOff}, {@link #reconnect}: a network partition).
 *
 * <p>Inactive unless a stack installs one ({@link #install(NetworkModel)}); services then consult it
 * through {@code HttpVerticles.deploy} (fronts for servers bound to a node address). Never on a
 * production path: nothing installs it outside {@code ops}' local stack and tests.
 */
public final class ShapedNetwork implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShapedNetwork.class);
  private static volatile ShapedNetwork installed;

  private final NetworkModel model;
  final Vertx vertx;
  private final NetClient upstream;
  private final Map<String, NetNode> byAddress = new ConcurrentHashMap<>();
  private final Map<String, NetNode> byId = new ConcurrentHashMap<>();
  private final Map<String, LinkClock> uplinks = new ConcurrentHashMap<>();
  private final Map<String, LinkClock> downlinks = new ConcurrentHashMap<>();
  private final AtomicInteger nextAddress = new AtomicInteger();
  private final Map<String, NetServer> fronts = new ConcurrentHashMap<>();
  private final Partition partition = new Partition();
  private final SplittableRandom connections;
  private final Object reservations = new Object();
  private final AtomicLong connectionCount = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  final AtomicLong resets = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  /** Connections open now through the fronts, by "client kind -> server kind" ("unshaped" for the rest). */
  private final Map<String, AtomicLong> openByLink = new ConcurrentHashMap<>();

  private ShapedNetwork(NetworkModel model) {
    this.model = model;
    // Its own event loops: pacing timers must not wait behind the services' work.
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    this.upstream = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5000));
    this.connections = new SplittableRandom(model.seed());
  }

  /**
   * Installs a network for this JVM; {@code HttpVerticles.deploy} fronts every server bound to one of
   * its node addresses from now on.
   *
   * @throws IllegalStateException when one is installed already
   */
  public static synchronized ShapedNetwork install(NetworkModel model) {
    if (installed != null) {
      throw new IllegalStateException("a network model is installed already");
    }
    installed = new ShapedNetwork(model);
    return installed;
  }

  /** The installed network, or null (the default: no shaping anywhere). */
  public static ShapedNetwork installed() {
    return installed;
  }

  public NetworkModel model() {
    return model;
  }

  /** {@link #register(NodeKind, String, String, String)} with the id as draw key. */
  public NetNode register(NodeKind kind, String id, String region) {
    return register(kind, id, region, id);
  }

  /**
   * A node of this network with its address and its bandwidths and NAT, drawn from the model's seed
   * and {@code drawKey}, so the same key gets the same links in every run (two delivery tiers of
   * one stack compared on one workload give peer {@code i} the same links). Registering an id
   * again returns the node it has.
   *
   * @throws IllegalArgumentException when the model has no latency for {@code region}
   */
  public NetNode register(NodeKind kind, String id, String region, String drawKey) {
    model.backboneMs(region, region);
    return byId.computeIfAbsent(id, k -> {
      int n = nextAddress.getAndIncrement();
      if (n >= 250 * 254) {
        throw new IllegalStateException("no loopback address left for node " + id);
      }
      String address = "127.0." + (1 + n / 250) + "." + (1 + n % 250);
      Random r = new Random(model.seed() * 31 + drawKey.hashCode());
      NetworkModel.Links links = model.bandwidth().get(kind);
      NetNode node = new NetNode(id, kind, region, address, logUniform(r, links.uplink()) * 1e6,
          logUniform(r, links.downlink()) * 1e6, kind != NodeKind.PEER || r.nextDouble() >= model.natShare());
      byAddress.put(address, node);
      uplinks.put(address, new LinkClock(node.uplinkBps()));
      downlinks.put(address, new LinkClock(node.downlinkBps()));
      return node;
    });
  }

  private static double logUniform(Random r, NetworkModel.Range range) {
    return Math.exp(Math.log(range.min()) + r.nextDouble() * (Math.log(range.max()) - Math.log(range.min())));
  }

  /** The node listening or connecting from {@code address}, or null. */
  public NetNode node(String address) {
    return byAddress.get(address);
  }

  /** The node registered as {@code id}, or null. */
  public NetNode nodeById(String id) {
    return byId.get(id);
  }

  /** Every registered node. */
  public List<NetNode> nodes() {
    return List.copyOf(byId.values());
  }

  /** {@code options} with {@code node}'s address as the source of every outgoing connection. */
  public static HttpClientOptions source(HttpClientOptions options, NetNode node) {
    return options.setLocalAddress(node.address());
  }

  /**
   * Starts the front of {@code node}: a shaping proxy on {@code node.address():port} to
   * {@code 127.0.0.1:targetPort}. Blocks until it listens.
   *
   * @param port 0 picks a free port
   * @return the port the front listens on
   * @throws IllegalStateException when it cannot listen within 10 s
   */
  public int front(NetNode node, int port, int targetPort) {
    NetServer server = vertx.createNetServer(new NetServerOptions().setHost(node.address()).setPort(port)
        .setTcpNoDelay(true)).connectHandler(in -> accept(node, targetPort, in));
    NetServer listening = Blocking.await(server.listen(), Duration.ofSeconds(10),
        "front of " + node.id() + " could not listen on " + node.address() + ":" + port);
    fronts.put(node.address() + ":" + listening.actualPort(), listening);
    return listening.actualPort();
  }

  /** Stops the front on {@code address:port} (its node stopped); a front never started is no error. */
  public io.vertx.core.Future<Void> closeFront(String address, int port) {
    NetServer s = fronts.remove(address + ":" + port);
    return s == null ? io.vertx.core.Future.succeededFuture() : s.close();
  }

  private void accept(NetNode server, int targetPort, NetSocket in) {
    in.pause();
    connectionCount.incrementAndGet();
    NetNode client = byAddress.get(in.remoteAddress().hostAddress());
    boolean shaped = client != null && !client.address().equals(server.address());
    long oneWayNs = 0;
    long rnd;
    synchronized (connections) {
      rnd = connections.nextLong();
    }
    SplittableRandom random = new SplittableRandom(rnd);
    if (shaped) {
      oneWayNs = (long) ((model.oneWayMs(client, server) + random.nextDouble() * model.jitterMs()) * 1e6);
      if (partition.separates(client.address(), server.address())) {
        // a partition: nobody on the other side answers (refused after a round trip, as NAT below)
        refused.incrementAndGet();
        vertx.setTimer(Math.max(1, 2 * oneWayNs / 1_000_000), id -> in.close());
        return;
      }
      if (!server.acceptsInbound() && client.kind() == NodeKind.PEER) {
        // NAT without a mapping: nobody answers. Refused after one round trip rather than a
        // connect time-out, so a peer learns it within its holder budget.
        refused.incrementAndGet();
        vertx.setTimer(Math.max(1, 2 * oneWayNs / 1_000_000), id -> in.close());
        return;
      }
    }
    long now = System.nanoTime();
    long oneWay = oneWayNs;
    upstream.connect(targetPort, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        in.close();
        return;
      }
      NetSocket out = ar.result();
      if (shaped) {
        open.incrementAndGet();
        partition.opened(client.address(), server.address(), in, out);
      }
      AtomicLong byLink = openByLink.computeIfAbsent(shaped ? client.kind() + "->" + server.kind() : "unshaped",
          k -> new AtomicLong());
      byLink.incrementAndGet();
      // The client may send at once; its first byte arrives after the handshake (one round trip)
      // plus its own one-way trip.
      Pipe request = new Pipe(this, in, out, shaped ? uplinks.get(client.address()) : null,
          shaped ? downlinks.get(server.address()) : null, oneWay, now + 3 * oneWay, 0, random,
          shaped ? () -> {
            open.decrementAndGet();
            partition.closed(in);
          } : null);
      Pipe response = new Pipe(this, out, in, shaped ? uplinks.get(server.address()) : null,
          shaped ? downlinks.get(client.address()) : null, oneWay, 0, shaped ? model.resetRate() : 0, random,
          byLink::decrementAndGet);
      request.start();
      response.start();
    });
  }

  /**
   * Cuts these nodes off from every other node (seed 000 6.2.2's network partition): new connections
   * between them and any other node are refused after a round trip, open ones are closed now. A node's
   * own player and clients that are not nodes (the tracker's) still reach it.
   *
   * @param nodeIds registered node ids
   * @return connections closed
   * @throws IllegalArgumentException for an id not registered
   */
  public int cutOff(java.util.Collection<String> nodeIds) {
    return partition.cut(addresses(nodeIds));
  }

  /** Joins nodes cut off by {@link #cutOff} to the network again (new connections only). */
  public void reconnect(java.util.Collection<String> nodeIds) {
    partition.heal(addresses(nodeIds));
  }

  private List<String> addresses(java.util.Collection<String> nodeIds) {
    return nodeIds.stream().map(id -> {
      NetNode n = byId.get(id);
      if (n == null) {
        throw new IllegalArgumentException("no node " + id + " in this network");
      }
      return n.address();
    }).toList();
  }

  /** Connections the fronts accepted, refused (NAT, partitions) and reset (the model's reset rate), so far. */
  public Map<String, Long> counters() {
    return Map.of("connections", connectionCount.get(), "refused", refused.get(), "resets", resets.get());
  }

  /**
   * Shaped connections open now: between two distinct nodes, each counted once at the server's
   * front (a player on its peer's machine and unknown clients are not counted).
   */
  public long openConnections() {
    return open.get();
  }

  /**
   * Connections open now through the fronts by link, e.g. {@code PEER->EDGE}, and {@code unshaped}
   * (a node talking to itself, unknown clients): where the sockets go. Each costs four sockets in
   * this JVM (client, front in, front out, server) when both ends are in it.
   */
  public Map<String, Long> openByLink() {
    Map<String, Long> out = new java.util.TreeMap<>();
    openByLink.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Stops the fronts and the shaper's event loops and uninstalls it. */
  @Override
  public void close() {
    synchronized (ShapedNetwork.class) {
      if (installed == this) {
        installed = null;
      }
    }
    Blocking.awaitQuietly(vertx.close(), Duration.ofSeconds(10), "closing the shaped network", LOG);
  }

  /**
   * The send side of one link direction: when it is next free, in {@link System#nanoTime()} terms.
   * A token bucket without burst, shared by every connection of one node in one direction.
   */
  static final class LinkClock {
    private final double nsPerByte;
    private long freeAt;

    LinkClock(double bitsPerSecond) {
      this.nsPerByte = 8e9 / bitsPerSecond;
    }
  }

  /**
   * Reserves {@code bytes} on both clocks from {@code now}, each link on its own: the chunk is
   * through when the later of the two has carried it. Each link is reserved independently so that a
   * busy receiver never holds up the sender's uploads to others (no head-of-line blocking across
   * connections); the price is that a chunk may use sender time while it waits for the receiver.
   *
   * @return when the last byte has left the sender and entered the receiver, nanoTime
   */
  long reserve(LinkClock sender, LinkClock receiver, int bytes, long now) {
    synchronized (reservations) {
      long up = Math.max(now, sender.freeAt) + (long) (bytes * sender.nsPerByte);
      long down = Math.max(now, receiver.freeAt) + (long) (bytes * receiver.nsPerByte);
      sender.freeAt = up;
      receiver.freeAt = down;
      return Math.max(up, down);
    }
  }
}
