package dev.hybridcdn.servicekit.network;

import io.vertx.core.http.HttpClientOptions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The emulated network of a local stack (the kernel here has no netem, so it is emulated in
 * process). Every node gets its own loopback address ({@code 127.0.1.1}, {@code 127.0.1.2}, ...);
 * a node's server listens on {@code 127.0.0.1} and a <em>front</em> (a shaping TCP proxy) listens on
 * the node's address. Clients connect from their own node's address
 * ({@link #source(HttpClientOptions, NetNode)}), so the front knows both ends of each connection and
 * applies the {@link NetworkModel}: a new connection costs one round trip before its first byte
 * arrives; every chunk of at most 16 KiB is paced on the sender's uplink and the receiver's downlink
 * (clocks shared by all of a node's connections, {@code LocalFronts.LinkClock}) and arrives one one-way
 * latency later.
 * A connection books its next chunk on the links only when its previous one is through ({@link Pipe}),
 * so a node's connections take turns chunk by chunk (a fair queue, as fq_codel, Linux's default
 * queueing discipline, gives flows), rather than each booking all it has buffered ahead of the others.
 * A client from an unknown address (the tracker, the CLI, 127.0.0.1) and a node talking to itself
 * (a player on its peer's machine) pass unshaped. Nodes can be cut off from the others and joined
 * again ({@link #cutOff}, {@link #reconnect}: a network partition).
 *
 * <p>The fronts run in this JVM or in a child JVM of their own ({@link FrontPlacement}); this object keeps
 * the nodes either way. Inactive unless a stack installs one ({@link #install(NetworkModel)}); services then
 * consult it through {@code HttpVerticles.deploy} (fronts for servers bound to a node address). Never on a
 * production path: nothing installs it outside {@code ops}' local stack and tests.
 */
public final class ShapedNetwork implements AutoCloseable {
  private static volatile ShapedNetwork installed;

  private final NetworkModel model;
  private final Fronts fronts;
  private final Map<String, NetNode> byAddress = new ConcurrentHashMap<>();
  private final Map<String, NetNode> byId = new ConcurrentHashMap<>();
  private final AtomicInteger nextAddress = new AtomicInteger();

  private ShapedNetwork(NetworkModel model, FrontPlacement placement) {
    this.model = model;
    this.fronts = placement == FrontPlacement.CHILD_PROCESS ? new FrontProcess(model) : new LocalFronts(model);
  }

  /** {@link #install(NetworkModel, FrontPlacement)} with the fronts in this JVM. */
  public static ShapedNetwork install(NetworkModel model) {
    return install(model, FrontPlacement.THIS_JVM);
  }

  /**
   * Installs a network for this JVM; {@code HttpVerticles.deploy} fronts every server bound to one of
   * its node addresses from now on.
   *
   * @param placement where the fronts run: this JVM, or a child JVM of their own
   * @throws IllegalStateException when one is installed already, or the fronts' process does not start
   */
  public static synchronized ShapedNetwork install(NetworkModel model, FrontPlacement placement) {
    if (installed != null) {
      throw new IllegalStateException("a network model is installed already");
    }
    installed = new ShapedNetwork(model, placement);
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
  public synchronized NetNode register(NodeKind kind, String id, String region, String drawKey) {
    model.backboneMs(region, region);
    NetNode known = byId.get(id);
    if (known != null) {
      return known;
    }
    int n = nextAddress.getAndIncrement();
    if (n >= 250 * 254) {
      throw new IllegalStateException("no loopback address left for node " + id);
    }
    String address = "127.0." + (1 + n / 250) + "." + (1 + n % 250);
    Random r = new Random(model.seed() * 31 + drawKey.hashCode());
    NetworkModel.Links links = model.bandwidth().get(kind);
    NetNode node = new NetNode(id, kind, region, address, logUniform(r, links.uplink()) * 1e6,
        logUniform(r, links.downlink()) * 1e6, kind != NodeKind.PEER || r.nextDouble() >= model.natShare());
    fronts.add(node);
    byAddress.put(address, node);
    byId.put(id, node);
    return node;
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
    return fronts.front(node, port, targetPort);
  }

  /** Stops the front on {@code address:port} (its node stopped); a front never started is no error. */
  public io.vertx.core.Future<Void> closeFront(String address, int port) {
    return fronts.closeFront(address, port);
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
    return fronts.cut(addresses(nodeIds));
  }

  /** Joins nodes cut off by {@link #cutOff} to the network again (new connections only). */
  public void reconnect(java.util.Collection<String> nodeIds) {
    fronts.heal(addresses(nodeIds));
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

  /**
   * Everything the fronts count, in one snapshot ({@link FrontStats}): one round trip when they run in a
   * child JVM, so a caller sampling several figures takes it once.
   */
  public FrontStats stats() {
    return fronts.stats();
  }

  /** Stops the fronts (and their process, if any) and uninstalls this network. */
  @Override
  public void close() {
    synchronized (ShapedNetwork.class) {
      if (installed == this) {
        installed = null;
      }
    }
    fronts.close();
  }
}
