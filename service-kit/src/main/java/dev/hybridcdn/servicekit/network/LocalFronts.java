package dev.hybridcdn.servicekit.network;

import dev.hybridcdn.servicekit.vertx.Blocking;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fronts of an emulated network in the JVM that creates them: one shaping TCP proxy per node
 * server, on the shaper's own event loops. How a connection is shaped: {@link ShapedNetwork}'s class
 * comment; one direction of one connection: {@link Pipe}.
 */
final class LocalFronts implements Fronts {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFronts.class);

  private final NetworkModel model;
  final Vertx vertx;
  private final NetClient upstream;
  private final Map<String, NetNode> byAddress = new ConcurrentHashMap<>();
  private final Map<String, LinkClock> uplinks = new ConcurrentHashMap<>();
  private final Map<String, LinkClock> downlinks = new ConcurrentHashMap<>();
  private final Map<String, NetServer> fronts = new ConcurrentHashMap<>();
  private final Partition partition = new Partition();
  private final SplittableRandom connections;
  private final Object reservations = new Object();
  private final AtomicLong connectionCount = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  final AtomicLong resets = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private final Map<String, AtomicLong> openByLink = new ConcurrentHashMap<>();

  LocalFronts(NetworkModel model) {
    this.model = model;
    // Its own event loops: pacing timers must not wait behind the services' work.
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    this.upstream = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5000));
    this.connections = new SplittableRandom(model.seed());
  }

  @Override
  public void add(NetNode node) {
    if (byAddress.putIfAbsent(node.address(), node) == null) {
      uplinks.put(node.address(), new LinkClock(node.uplinkBps()));
      downlinks.put(node.address(), new LinkClock(node.downlinkBps()));
    }
  }

  @Override
  public int front(NetNode node, int port, int targetPort) {
    add(node);
    NetServer server = vertx.createNetServer(new NetServerOptions().setHost(node.address()).setPort(port)
        .setTcpNoDelay(true)).connectHandler(in -> accept(node, targetPort, in));
    NetServer listening = Blocking.await(server.listen(), Duration.ofSeconds(10),
        "front of " + node.id() + " could not listen on " + node.address() + ":" + port);
    fronts.put(node.address() + ":" + listening.actualPort(), listening);
    return listening.actualPort();
  }

  @Override
  public Future<Void> closeFront(String address, int port) {
    NetServer s = fronts.remove(address + ":" + port);
    return s == null ? Future.succeededFuture() : s.close();
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

  @Override
  public int cut(List<String> addresses) {
    return partition.cut(addresses);
  }

  @Override
  public void heal(List<String> addresses) {
    partition.heal(addresses);
  }

  @Override
  public FrontStats stats() {
    Map<String, Long> byLink = new java.util.TreeMap<>();
    openByLink.forEach((k, v) -> byLink.put(k, v.get()));
    return new FrontStats(connectionCount.get(), refused.get(), resets.get(), open.get(), byLink, -1);
  }

  @Override
  public void close() {
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
