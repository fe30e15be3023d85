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
 * A delivery tier of a {@link LocalStack}: two edges and a peer host, or (a traditional CDN) the
 * two edges alone, players fetching from their region's edge. Implements {@link Churn} for the
 * swarm: joins start a new peer in the host, leaves stop one cleanly or as a crash.
 */
public final class Delivery implements AutoCloseable, Churn {
  private final List<EdgeServer> edges = new ArrayList<>();
  /** Base URL of each edge: its front under an emulated network. */
  private final List<String> edgeUrls = new ArrayList<>();
  /** Null for a traditional CDN (edges only). */
  private final PeerHost host;
  /** Players' machines of a traditional CDN: as many as a hybrid tier has peers. */
  private final int playerMachines;
  private final String name;
  private final AtomicInteger nextPeer;
  private final LocalStack stack;
  private final StackOptions options;

  /**
   * @param peerCount peers, or with {@code edgesOnly} the players' machines (no peer on them)
   * @param peerSettings peer-vertx variables over the ones set here
   */
  Delivery(LocalStack stack, String name, int peerCount, boolean p2p, boolean edgesOnly,
      Map<String, String> peerSettings) {
    this.stack = stack;
    this.options = stack.options();
    this.name = name;
    Map<String, String> base = stack.baseEnv();
    try {
      // Origin shield: the edge in the origin's region (the model's, else the second, us-east) is the
      // other edge's parent, so the origin sends each segment once (edge-vertx ShieldClient). It
      // starts first, since the other is given its URL.
      int shieldIndex = 1;
      for (int i = 0; i < 2 && stack.network() != null; i++) {
        if (options.regions().get(i % options.regions().size()).equals(stack.network().model().originRegion())) {
          shieldIndex = i;
        }
      }
      EdgeServer[] started = new EdgeServer[2];
      String[] urls = new String[2];
      String shield = null;
      for (int i : new int[] {shieldIndex, 1 - shieldIndex}) {
        Map<String, String> env = new HashMap<>(base);
        env.put("EDGE_ID", name + "edge-" + (i + 1));
        String nearDir = System.getenv("EDGE_NEAR_CACHE_DIR"); // tmpfs or none, as the operator chose
        if (nearDir != null) {
          env.put("EDGE_NEAR_CACHE_DIR", nearDir);
        }
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
        env.putAll(stack.tlsEnv(name + "edge-" + (i + 1)));
        if (shield != null) {
          env.put("EDGE_SHIELDS", shield);
        }
        EdgeServer edge = EdgeServer.start(EdgeConfig.from(new Env(env)));
        started[i] = edge;
        edges.add(edge);
        urls[i] = node == null ? edge.baseUrl()
            : "http://" + node.address() + ":" + stack.network().front(node, 0, edge.port());
        shield = env.get("EDGE_ID") + "=" + urls[i];
      }
      edges.clear();
      edges.addAll(List.of(started));
      edgeUrls.addAll(List.of(urls));
      if (edgesOnly) {
        host = null;
        nextPeer = null;
        playerMachines = peerCount;
        return;
      }
      playerMachines = 0;
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
      // A NAT'd holder pushes a 160-240 KB segment to its relay over a 2-20 Mbit/s uplink: up to a
      // second on the model's slowest uplinks before this JVM's load; the default 1 s would cut it.
      env.put("RELAY_TIMEOUT_MS", "3000");
      // The urgent hedge's delay, the P2P read-ahead window, the upload slots, the longest an upload
      // may wait behind a holder's uplink backlog and the warm starts, for experiments
      // (`PLAYER_HEDGE_MS=100 cdn eval`); peer-vertx's defaults otherwise. All act only with P2P on.
      for (String knob : List.of("PLAYER_HEDGE_MS", "READ_AHEAD_MS", "UPLOAD_SLOTS", "UPLOAD_QUEUE_MS",
          "WARM_START_SONGS", "WARM_START_SEGMENTS", "WARM_START_MS")) {
        String value = System.getenv(knob);
        if (value != null) {
          env.put(knob, value);
        }
      }
      // TopicAdmin.ensureTopics builds an admin client whose API timeout is this value; below the
      // client's 30 s request timeout the client cannot be created (reported to schemas' owner).
      env.put("TOPICS_TIMEOUT_MS", "30000");
      env.putAll(stack.tlsEnv(name + "peers"));
      env.putAll(peerSettings);
      if (p2p) {
        // Issue 15: holders ranked by topology paths, relays, signalling and song distribution.
        env.put("TOPOLOGY_URL", stack.topologyUrl());
      }
      if (stack.network() != null) {
        // one loopback address per peer: it binds, advertises and connects from it (PeerHostConfig)
        List<String> addresses = new ArrayList<>();
        List<String> uplinks = new ArrayList<>();
        List<RelayPlan.Peer> planned = new ArrayList<>();
        for (int i = 0; i < peerCount; i++) {
          NetNode node = peerNode(i);
          addresses.add(node.address());
          uplinks.add(Long.toString((long) node.uplinkBps()));
          planned.add(new RelayPlan.Peer(node.id(), node.region(), node.acceptsInbound()));
        }
        env.put("PEER_ADDRESSES", String.join(",", addresses));
        // each peer grants uploads its emulated uplink, as a user sets a BitTorrent client's upload limit
        env.put("PEER_UPLINKS", String.join(",", uplinks));
        if (p2p) {
          // the model's NAT'd peers serve through a public peer's relay (PeerHostConfig PEER_RELAYS)
          Map<String, String> relays = RelayPlan.assign(planned);
          List<String> entries = new ArrayList<>();
          planned.forEach(p -> entries.add(relays.getOrDefault(p.id(), "")));
          env.put("PEER_RELAYS", String.join(",", entries));
        }
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

  /**
   * Urgent hedges of the running peers' player requests (peer-vertx {@code PLAYER_HEDGE_MS}).
   *
   * @param hedged player requests also asked of the edges because the peer fetch was slow
   * @param edgesFirst of those, the ones the edges answered first
   */
  public record Hedges(long hedged, long edgesFirst) {}

  /** Hedges counted by the running peers so far (none for a traditional CDN). */
  public Hedges hedges() {
    if (host == null) {
      return new Hedges(0, 0);
    }
    long hedged = 0;
    long first = 0;
    for (HostedPeer p : host.peers()) {
      var node = host.peer(p.id());
      if (node != null) {
        hedged += (long) node.meters().hedges();
        first += (long) node.meters().hedgeWins();
      }
    }
    return new Hedges(hedged, first);
  }

  /**
   * The running peers' fetch ledgers (peer-vertx {@code FetchLedger}) added up, key by key, plus
   * {@code upload_rejections} (peer requests refused with 503; {@code upload_rejections.upload_slots_full} and
   * {@code upload_rejections.uplink_busy} by the 503's code), {@code uploaded_bytes} (what they
   * finished writing to other peers) and {@code received_bytes} (what they received from peers and
   * edges, kept or not); empty for a traditional CDN.
   */
  public java.util.Map<String, Long> fetchLedger() {
    java.util.Map<String, Long> sum = new java.util.TreeMap<>();
    if (host == null) {
      return sum;
    }
    for (HostedPeer p : host.peers()) {
      var node = host.peer(p.id());
      if (node != null) {
        node.fetchLedger().snapshot().forEach((k, v) -> sum.merge(k, v, Long::sum));
        sum.merge("upload_rejections", (long) node.meters().rejections(), Long::sum);
        for (var why : dev.hybridcdn.peer.metrics.PeerMeters.Refusal.values()) {
          sum.merge("upload_rejections." + why.code(), (long) node.meters().rejections(why), Long::sum);
        }
        sum.merge("uploaded_bytes", node.uploadedBytes(), Long::sum);
        sum.merge("received_bytes", node.downloadedBytes(), Long::sum);
      }
    }
    return sum;
  }

  /** Edge ids, in order. */
  public List<String> edgeIds() {
    return edges.stream().map(e -> e.config().edgeId()).toList();
  }

  /**
   * Running peers; for a traditional CDN, the players' machines, each attached to its region's edge
   * and, under an emulated network, on the address and links the hybrid tier's peer {@code i} has.
   */
  public List<PeerRef> peers() {
    if (host == null) {
      List<PeerRef> out = new ArrayList<>();
      for (int i = 0; i < playerMachines; i++) {
        int r = i % options.regions().size();
        String edgeUrl = edgeUrls.get(r % edgeUrls.size()); // edge j serves region j
        String address = stack.network() == null ? null : hybridPeerNode(i).address();
        out.add(new PeerRef(name + "player-" + (i + 1), options.regions().get(r), edgeUrl, address));
      }
      return out;
    }
    return host.peers().stream().map(p -> new PeerRef(p.id(), p.region(), p.baseUrl())).toList();
  }

  /**
   * The hybrid tier's peer {@code i} (tier name "", {@code Demo}): registering its id again returns
   * its node, so a traditional CDN's players have the very address and links the hybrid's had.
   */
  private NetNode hybridPeerNode(int i) {
    return stack.network().register(NodeKind.PEER, "peer-" + (i + 1), options.regions().get(i % options.regions().size()),
        "peer-" + (i + 1));
  }

  @Override
  public PeerRef join() {
    if (host == null) {
      throw new IllegalStateException("a traditional CDN has no peers to churn");
    }
    int i = nextPeer.getAndIncrement();
    String region = options.regions().get(i % options.regions().size());
    PeerConfig config = host.config().template().withIdentity(name + "peer-" + (i + 1), region, 0);
    if (stack.network() != null) {
      NetNode node = peerNode(i);
      config = config.withAddress(node.address()).withUplink((long) node.uplinkBps());
      if (config.p2pEnabled() && !node.acceptsInbound()) {
        // a NAT'd newcomer gets the relay the plan picks among the running public peers
        var relay = runningPlan().relayFor(new RelayPlan.Peer(node.id(), node.region(), false)).map(host::peer);
        if (relay.isPresent()) {
          config = config.withRoute(config.route().behindNat(relay.get().baseUrl()));
        }
      }
    }
    HostedPeer p = host.startPeer(config);
    return new PeerRef(p.id(), p.region(), p.baseUrl());
  }

  /**
   * A relay plan of the running peers (emulated network only), the NAT'd ones already placed counted
   * on their relays, so a newcomer goes to the least loaded.
   */
  private RelayPlan runningPlan() {
    List<RelayPlan.Peer> peers = new ArrayList<>();
    Map<String, String> idByUrl = new HashMap<>();
    for (HostedPeer p : host.peers()) {
      NetNode n = stack.network().nodeById(p.id());
      peers.add(new RelayPlan.Peer(p.id(), p.region(), n == null || n.acceptsInbound()));
      idByUrl.put(p.baseUrl(), p.id());
    }
    RelayPlan plan = new RelayPlan(peers);
    for (HostedPeer p : host.peers()) {
      var node = host.peer(p.id());
      if (node != null && !node.peerConfig().route().acceptsInbound()) {
        String relay = idByUrl.get(node.peerConfig().route().relayUrl());
        if (relay != null) {
          plan.carries(relay);
        }
      }
    }
    return plan;
  }

  /**
   * What the running peers asked of this tier's NAT'd peers through relays (issue 15's goal: peers
   * that accept no inbound connection still deliver at least half of what they hold to others).
   *
   * @param natPeers peers the emulated network puts behind NAT (none on plain loopback or for a
   *     traditional CDN)
   * @param asked segments other peers' fetches asked of one of them through relays (peer-vertx
   *     {@code RelayCounts}: after the direct connection was refused, or straight away once known)
   * @param delivered of those, the ones whose verified bytes came from the NAT'd peer itself (a relay
   *     that answered from its own copy not counted)
   */
  public record NatRelays(int natPeers, long asked, long delivered) {
    /** delivered / asked, or null when nothing was asked. */
    public Double share() {
      return asked == 0 ? null : (double) delivered / asked;
    }
  }

  /**
   * Asks each NAT'd peer of this tier for segments it holds through the relay code ({@link NatProbe}):
   * at most {@code perPeer} each, one at a time, each within {@code boundMs}.
   */
  public NatProbe.Result probeNatPeers(int perPeer, long boundMs) {
    return host == null ? new NatProbe.Result(0, 0, 0, Map.of(), Map.of()) : NatProbe.run(host, stack, perPeer, boundMs);
  }

  /** {@link NatRelays} of the running peers so far (peers that left with churn not counted). */
  public NatRelays natRelays() {
    if (host == null || stack.network() == null) {
      return new NatRelays(0, 0, 0);
    }
    java.util.Set<String> nat = new java.util.HashSet<>();
    for (HostedPeer p : host.peers()) {
      NetNode n = stack.network().nodeById(p.id());
      if (n != null && !n.acceptsInbound()) {
        nat.add(p.id());
      }
    }
    long asked = 0;
    long delivered = 0;
    for (HostedPeer p : host.peers()) {
      var node = host.peer(p.id());
      if (node == null) {
        continue;
      }
      for (var e : node.relayCounts().byHolder().entrySet()) {
        if (nat.contains(e.getKey())) {
          asked += e.getValue().asked();
          delivered += e.getValue().delivered();
        }
      }
    }
    return new NatRelays(nat.size(), asked, delivered);
  }

  /**
   * Cuts these hosted peers off from every other node (seed 000 6.2.2's network partition): the
   * emulated network refuses their connections and closes the open ones, and their events reach
   * nobody, so the tracker expires them after its TTL ({@code PeerNode.cutOff}).
   *
   * @return connections closed
   * @throws IllegalStateException without hosted peers or an emulated network
   */
  public int cutOff(List<String> peerIds) {
    if (host == null || stack.network() == null) {
      throw new IllegalStateException("a partition needs hosted peers on an emulated network");
    }
    peerIds.forEach(id -> host.peer(id).cutOff());
    return stack.network().cutOff(peerIds);
  }

  /** Ends {@link #cutOff}: the peers reach the others again and re-announce if they were expired. */
  public void reconnect(List<String> peerIds) {
    stack.network().reconnect(peerIds);
    peerIds.forEach(id -> host.peer(id).reconnect());
  }

  /** Segment ids a hosted peer holds now (empty for an unknown peer or a traditional CDN). */
  public List<String> cachedSegments(String peerId) {
    var node = host == null ? null : host.peer(peerId);
    return node == null ? List.of() : node.cache().segmentIds();
  }

  @Override
  public void leave(String peerId, boolean clean) {
    if (host == null) {
      throw new IllegalStateException("a traditional CDN has no peers to churn");
    }
    host.stopPeer(peerId, clean);
  }

  /** Stops the peers (cleanly, flushing their events) and the edges. */
  @Override
  public void close() {
    try {
      if (host != null) {
        host.close();
      }
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
