package dev.hybridcdn.ops.stack;

import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.edge.EdgeServer;
import dev.hybridcdn.ops.swarm.Churn;
import dev.hybridcdn.ops.swarm.PeerRef;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.network.NetNode;
import dev.hybridcdn.servicekit.network.NodeKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A delivery tier of a {@link LocalStack}: two edges and a peer host. Implements {@link Churn} for the swarm: joins start a new peer in
 * the host, leaves stop one cleanly or as a crash.
 */
public final class Delivery implements AutoCloseable, Churn {
  private final List<EdgeServer> edges = new ArrayList<>();
  /** Base URL of each edge: its front under an emulated network. */
  private final List<String> edgeUrls = new ArrayList<>();
  private final PeerHost host;
  private final String name;
  private final AtomicInteger nextPeer;
  private final LocalStack stack;
  private final StackOptions options;

  Delivery(LocalStack stack, String name, int peerCount, boolean p2p) {
    this.stack = stack;
    this.options = stack.options();
    this.name = name;
    Map<String, String> base = stack.baseEnv();
    try {
      for (int i = 0; i < 2; i++) {
        Map<String, String> env = new HashMap<>(base);
        env.put("EDGE_ID", name + "edge-" + (i + 1));
        env.put("REGION", options.regions().get(i % options.regions().size()));
        env.put("HTTP_PORT", options.defaultPorts() ? Integer.toString(LocalStack.EDGE_PORT + i) : "0");
        env.put("ORIGIN_URL", stack.originUrl());
        env.put("EDGE_EVENT_LOOPS", "2");
        // Bounds for a shared 2-core machine: a busy Redis is slow, not down.
        env.put("EDGE_REDIS_TIMEOUT_MS", "2000");
        env.put("EDGE_PG_TIMEOUT_MS", "5000");
        NetNode node = stack.network() == null ? null
            : stack.network().register(NodeKind.EDGE, env.get("EDGE_ID"), env.get("REGION"), "edge-" + (i + 1));
        if (node != null) {
          env.put("EDGE_SOURCE_ADDRESS", node.address());
        }
        EdgeServer edge = EdgeServer.start(EdgeConfig.from(new Env(env)));
        edges.add(edge);
        edgeUrls.add(node == null ? "http://127.0.0.1:" + edge.port()
            : "http://" + node.address() + ":" + stack.network().front(node, 0, edge.port()));
      }
      Map<String, String> env = new HashMap<>(base);
      env.remove("REDIS_URL");
      env.put("HTTP_PORT", options.defaultPorts() ? Integer.toString(LocalStack.PEER_PORT) : "0");
      env.put("PEER_COUNT", Integer.toString(peerCount));
      env.put("PEER_ID_PREFIX", name + "peer-");
      env.put("REGIONS", String.join(",", options.regions()));
      env.put("REGION", options.regions().get(0));
      env.put("EDGE_URLS", String.join(",", edgeUrls()));
      env.put("TRACKER_URLS", String.join(",", stack.trackerUrls()));
      env.put("P2P_ENABLED", Boolean.toString(p2p));
      env.put("CACHE_BYTES", Long.toString(options.peerCacheBytes()));
      env.put("ADVERTISED_HOST", "127.0.0.1");
      env.put("BIND_HOST", "127.0.0.1");
      // Bounds for a loaded laptop running the whole network in one JVM: the defaults (300 ms
      // tracker, 500 ms per holder, 1.5 s P2P budget) are for separate machines.
      env.put("TRACKER_TIMEOUT_MS", "1500");
      env.put("PEER_TIMEOUT_MS", "2000");
      env.put("P2P_BUDGET_MS", "4000");
      env.put("EDGE_TIMEOUT_MS", "10000");
      // TopicAdmin.ensureTopics builds an admin client whose API timeout is this value; below the
      // client's 30 s request timeout the client cannot be created (reported to schemas' owner).
      env.put("TOPICS_TIMEOUT_MS", "30000");
      if (stack.network() != null) {
        // one loopback address per peer: it binds, advertises and connects from it (PeerHostConfig)
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < peerCount; i++) {
          addresses.add(peerNode(i).address());
        }
        env.put("PEER_ADDRESSES", String.join(",", addresses));
      }
      host = PeerHost.start(PeerHostConfig.from(new Env(env)));
      nextPeer = new AtomicInteger(peerCount);
    } catch (RuntimeException e) {
      edges.forEach(EdgeServer::close);
      throw e;
    }
  }

  /** Base URLs of the two edges (their fronts under an emulated network). */
  public List<String> edgeUrls() {
    return List.copyOf(edgeUrls);
  }

  /** Peer {@code i}'s node of the emulated network (same id and region as PeerHostConfig gives it). */
  private NetNode peerNode(int i) {
    // drawn by index, not id: peer i of every tier (hybrid, CDN only) gets the same links
    return stack.network().register(NodeKind.PEER, name + "peer-" + (i + 1),
        options.regions().get(i % options.regions().size()), "peer-" + (i + 1));
  }

  /** Edge ids, in order. */
  public List<String> edgeIds() {
    return edges.stream().map(e -> e.config().edgeId()).toList();
  }

  /** Running peers. */
  public List<PeerRef> peers() {
    return host.peers().stream().map(p -> new PeerRef(p.id(), p.region(), p.baseUrl())).toList();
  }

  @Override
  public PeerRef join() {
    int i = nextPeer.getAndIncrement();
    String region = options.regions().get(i % options.regions().size());
    PeerConfig config = host.config().template().withIdentity(name + "peer-" + (i + 1), region, 0);
    if (stack.network() != null) {
      config = config.withAddress(peerNode(i).address());
    }
    HostedPeer p = host.startPeer(config);
    return new PeerRef(p.id(), p.region(), p.baseUrl());
  }

  @Override
  public void leave(String peerId, boolean clean) {
    host.stopPeer(peerId, clean);
  }

  /** Stops the peers (cleanly, flushing their events) and the edges. */
  @Override
  public void close() {
    try {
      host.close();
    } catch (RuntimeException e) {
      LocalStack.LOG.warn("peer host did not stop cleanly: {}", e.toString());
    }
    for (EdgeServer e : edges) {
      try {
        e.close();
      } catch (RuntimeException ex) {
        LocalStack.LOG.warn("edge did not stop cleanly: {}", ex.toString());
      }
    }
    stack.closed(this);
  }
}
