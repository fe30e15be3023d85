package dev.hybridcdn.topology.signalling;

import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.topology.graph.GraphChange;
import dev.hybridcdn.topology.graph.PathMetric;
import dev.hybridcdn.topology.graph.PathResult;
import dev.hybridcdn.topology.graph.PeerGraph;
import dev.hybridcdn.topology.graph.UnknownNodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The signalling server's state on one topology instance (seed 000's Hub): the peers connected
 * here, a room per song (peers that joined it or announced they play it) and the distribution
 * orders sent. Rooms are per instance: a peer keeps one connection to one instance, and the
 * orders that concern every instance (a song published, a song getting hot) come to each instance
 * from Kafka, so each orders its own peers and no room state crosses instances.
 *
 * <p>Orders ({@code push}) name a song, a rendition and segment indices; the peer resolves them in
 * its manifest and fetches them through its own pipeline at read-ahead priority:
 * <ul>
 *   <li>{@link #start}: seed 000 2.3.6, the segments of a song spread along the RTT-shortest path
 *       from the requesting peer to its nearest edge, {@code max(1, segments / pathLength)} per
 *       peer on the path (the requester and edges take none: the requester plays the rest itself);</li>
 *   <li>{@link #pushFirstSegments}: a new or newly hot song's first segments to a few peers of each
 *       region where no peer connected here is in its room and none was pushed it yet.</li>
 * </ul>
 * Thread-safe (one monitor: connections come from every HTTP event loop, orders from the Kafka
 * follower threads).
 */
public final class SignallingHub {
  /** A connected peer's channel (a WebSocket in production, a list in tests). */
  public interface Channel {
    /** Sends, or drops the message when the channel is closed or cannot keep up; never throws. */
    void send(JsonObject message);

    /** Closes the channel, e.g. when the same peer connects again. */
    void close(String reason);
  }

  private record Member(String peerId, String region, Channel channel, Set<String> rooms) {}

  /** The last path sent to a peer for a song it started (watched for changes). */
  private record Route(String songId, List<String> path) {}

  /** Bounds on the state one instance keeps. */
  static final int MAX_ROOMS_PER_PEER = 32;
  private static final int MAX_PUSHED_SONGS = 4096;

  private final PeerGraph graph;
  private final int pushSegments;
  private final int pushPeersPerRegion;
  private final Map<String, Member> members = new HashMap<>();
  private final Map<String, Set<String>> rooms = new HashMap<>();
  /** songId -> regions already pushed to (oldest songs forgotten first). */
  private final Map<String, Set<String>> pushedRegions = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
      return size() > MAX_PUSHED_SONGS;
    }
  };
  private final Map<String, Integer> ordersPerPeer = new HashMap<>();
  private final Map<String, Route> routes = new HashMap<>();
  private long ordersSent;

  /**
   * @param pushSegments {@code SIGNALLING_PUSH_SEGMENTS}: first segments pushed per rendition of a new or hot song
   * @param pushPeersPerRegion {@code SIGNALLING_PUSH_PEERS}: peers per region that get them
   */
  public SignallingHub(PeerGraph graph, int pushSegments, int pushPeersPerRegion) {
    this.graph = graph;
    this.pushSegments = pushSegments;
    this.pushPeersPerRegion = pushPeersPerRegion;
  }

  /** Registers a peer; a previous connection of the same peer id is closed (the newest wins). */
  public synchronized void hello(String peerId, String region, Channel channel) {
    Member old = members.remove(peerId);
    if (old != null) {
      leaveAll(old);
      old.channel().close("replaced by a newer connection of " + peerId);
    }
    members.put(peerId, new Member(peerId, region, channel, new LinkedHashSet<>()));
    channel.send(new JsonObject().put("type", "welcome").put("peerId", peerId).put("region", region)
        .put("ts", System.currentTimeMillis()));
  }

  /** The connection is gone: the peer leaves every room (a newer connection of it is left alone). */
  public synchronized void disconnected(String peerId, Channel channel) {
    Member m = members.get(peerId);
    if (m != null && m.channel() == channel) {
      members.remove(peerId);
      leaveAll(m);
    }
  }

  /**
   * Joins the song's room; the peer gets {@code {"type":"joined","songId","members":[...]}} and
   * the room's others {@code {"type":"member","event":"joined",...}}.
   *
   * @throws SignalMessage.Invalid {@code too_many_rooms} past {@value #MAX_ROOMS_PER_PEER}
   */
  public synchronized void join(String peerId, String songId) {
    Member m = member(peerId);
    if (m.rooms().contains(songId)) {
      return;
    }
    if (m.rooms().size() >= MAX_ROOMS_PER_PEER) {
      throw new SignalMessage.Invalid("too_many_rooms", "a peer is in at most " + MAX_ROOMS_PER_PEER
          + " rooms; leave one first");
    }
    Set<String> room = rooms.computeIfAbsent(songId, k -> new LinkedHashSet<>());
    broadcast(room, memberEvent(songId, m, "joined"));
    room.add(peerId);
    m.rooms().add(songId);
    m.channel().send(new JsonObject().put("type", "joined").put("songId", songId).put("members", new JsonArray(
        new ArrayList<>(room))));
  }

  public synchronized void leave(String peerId, String songId) {
    Member m = member(peerId);
    if (m.rooms().remove(songId)) {
      leaveRoom(m, songId);
    }
  }

  /** An announce: joins the room and tells its members what the peer plays. */
  public synchronized void playing(String peerId, String songId, String rendition, int index) {
    join(peerId, songId);
    Member m = member(peerId);
    JsonObject msg = new JsonObject().put("type", "playing").put("songId", songId).put("peerId", peerId)
        .put("region", m.region()).put("rendition", rendition).put("index", index);
    for (String other : rooms.get(songId)) {
      if (!other.equals(peerId)) {
        members.get(other).channel().send(msg);
      }
    }
  }

  /**
   * Seed 000 2.3.6: the peer starts a song no peer near it holds. The RTT-shortest path from it to
   * the nearest edge (by path RTT) is sent to it ({@code {"type":"path","songId","path","edge","rttMs"}})
   * and each other peer on the path connected here gets a {@code push} of its share, in path order.
   * A peer the graph does not know, or that no edge is reachable from, gets a path frame with an
   * empty path: it plays from the edge as before.
   *
   * @return the orders sent (peer id -> indices)
   */
  public synchronized Map<String, List<Integer>> start(String peerId, String songId, String rendition, int segments) {
    join(peerId, songId);
    Member m = member(peerId);
    Optional<PathResult> best = nearestEdge(peerId);
    JsonObject pathMsg = new JsonObject().put("type", "path").put("songId", songId);
    if (best.isEmpty()) {
      m.channel().send(pathMsg.put("path", new JsonArray()).put("edge", null).put("rttMs", null));
      return Map.of();
    }
    PathResult p = best.get();
    m.channel().send(pathMsg.put("path", new JsonArray(p.path())).put("edge", p.to()).put("rttMs", p.rttMs())
        .put("reason", "start"));
    routes.put(peerId, new Route(songId, p.path()));
    int perNode = Math.max(1, segments / p.path().size());
    Map<String, List<Integer>> orders = new LinkedHashMap<>();
    int next = 0;
    for (String node : p.path()) {
      if (node.equals(peerId) || !members.containsKey(node) || next >= segments) {
        continue;
      }
      List<Integer> share = new ArrayList<>();
      for (int j = 0; j < perNode && next < segments; j++) {
        share.add(next++);
      }
      order(members.get(node), songId, rendition, share, "path", p.path());
      orders.put(node, share);
    }
    return orders;
  }

  /**
   * A new song ({@code SongPublished}) or one whose request rate rose: its first
   * {@code SIGNALLING_PUSH_SEGMENTS} segments of each rendition go to up to
   * {@code SIGNALLING_PUSH_PEERS} peers of every region (among the peers connected here) where none
   * is in the song's room and none was pushed it yet; the peers with the fewest orders so far first.
   *
   * @param segmentsPerRendition rendition name -> its segment count (the first ones are pushed)
   * @param reason {@code published} or {@code hot}, sent in the order
   * @return peer ids ordered
   */
  public synchronized List<String> pushFirstSegments(String songId, Map<String, Integer> segmentsPerRendition,
      String reason) {
    Set<String> holdingRegions = new HashSet<>(pushedRegions.getOrDefault(songId, Set.of()));
    for (String p : rooms.getOrDefault(songId, Set.of())) {
      holdingRegions.add(members.get(p).region());
    }
    Map<String, List<Member>> byRegion = new TreeMap<>();
    for (Member m : members.values()) {
      if (!holdingRegions.contains(m.region())) {
        byRegion.computeIfAbsent(m.region(), k -> new ArrayList<>()).add(m);
      }
    }
    List<String> ordered = new ArrayList<>();
    for (var e : byRegion.entrySet()) {
      List<Member> candidates = e.getValue();
      // Fewest orders first spreads pushed content over the region; the song's hash varies the tie-break.
      candidates.sort(Comparator.<Member>comparingInt(m -> ordersPerPeer.getOrDefault(m.peerId(), 0))
          .thenComparingInt(m -> (m.peerId() + songId).hashCode()));
      for (Member m : candidates.subList(0, Math.min(pushPeersPerRegion, candidates.size()))) {
        segmentsPerRendition.forEach((rendition, count) -> {
          List<Integer> first = new ArrayList<>();
          for (int i = 0; i < Math.min(pushSegments, count); i++) {
            first.add(i);
          }
          if (!first.isEmpty()) {
            order(m, songId, rendition, first, reason, List.of());
          }
        });
        ordered.add(m.peerId());
      }
      pushedRegions.computeIfAbsent(songId, k -> new HashSet<>()).add(e.getKey());
    }
    return ordered;
  }

  /**
   * A graph change (a {@link PeerGraph} listener, called on the updating thread with no graph lock
   * held): a peer whose last path lost a node or a link gets the new one,
   * {@code {"type":"path",...,"reason":"changed"}} (an empty path when no edge is reachable any more).
   * No new orders: what was pushed stays where it is.
   */
  public synchronized void graphChanged(GraphChange change) {
    for (var e : List.copyOf(routes.entrySet())) {
      if (!broken(change, e.getValue().path())) {
        continue;
      }
      Member m = members.get(e.getKey());
      if (m == null) {
        routes.remove(e.getKey());
        continue;
      }
      Optional<PathResult> now = nearestEdge(e.getKey());
      List<String> path = now.map(PathResult::path).orElse(List.of());
      routes.put(e.getKey(), new Route(e.getValue().songId(), path));
      m.channel().send(new JsonObject().put("type", "path").put("songId", e.getValue().songId())
          .put("path", new JsonArray(path)).put("edge", now.map(PathResult::to).orElse(null))
          .put("rttMs", now.map(PathResult::rttMs).orElse(null)).put("reason", "changed"));
    }
  }

  private static boolean broken(GraphChange change, List<String> path) {
    if (change instanceof GraphChange.NodeRemoved r) {
      return path.contains(r.id());
    }
    if (change instanceof GraphChange.LinkRemoved r) {
      for (int i = 0; i + 1 < path.size(); i++) {
        String a = path.get(i);
        String b = path.get(i + 1);
        if ((a.equals(r.from()) && b.equals(r.to())) || (a.equals(r.to()) && b.equals(r.from()))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Forgets that a song was pushed (a new version replaces its segments). */
  public synchronized void forgetPushes(String songId) {
    pushedRegions.remove(songId);
  }

  public synchronized int connectedPeers() {
    return members.size();
  }

  public synchronized int roomCount() {
    return rooms.size();
  }

  /** Peers in the song's room; 0 when it has none (an empty room is removed). */
  public synchronized int roomSize(String songId) {
    Set<String> room = rooms.get(songId);
    return room == null ? 0 : room.size();
  }

  /** True while the peer has a connection registered here. */
  public synchronized boolean isConnected(String peerId) {
    return members.containsKey(peerId);
  }

  public synchronized long ordersSent() {
    return ordersSent;
  }

  /** The lowest-RTT path from the peer to any edge in the graph. */
  private Optional<PathResult> nearestEdge(String peerId) {
    if (graph.node(peerId).isEmpty()) {
      return Optional.empty();
    }
    PathResult best = null;
    for (PeerGraph.Node n : graph.snapshot().nodes()) {
      if (n.kind() != NodeKind.EDGE) {
        continue;
      }
      try {
        Optional<PathResult> p = graph.path(peerId, n.id(), PathMetric.RTT);
        if (p.isPresent() && (best == null || p.get().rttMs() < best.rttMs())) {
          best = p.get();
        }
      } catch (UnknownNodeException e) {
        // the node left between the snapshot and the query
      }
    }
    return Optional.ofNullable(best);
  }

  private void order(Member m, String songId, String rendition, List<Integer> indices, String reason,
      List<String> path) {
    m.channel().send(new JsonObject().put("type", "push").put("songId", songId).put("rendition", rendition)
        .put("indices", new JsonArray(indices)).put("reason", reason).put("path", new JsonArray(path)));
    ordersPerPeer.merge(m.peerId(), 1, Integer::sum);
    ordersSent++;
  }

  private Member member(String peerId) {
    Member m = members.get(peerId);
    if (m == null) {
      throw new SignalMessage.Invalid("hello_first", "send hello before any other message");
    }
    return m;
  }

  private void leaveAll(Member m) {
    for (String songId : List.copyOf(m.rooms())) {
      leaveRoom(m, songId);
    }
    m.rooms().clear();
    ordersPerPeer.remove(m.peerId());
    routes.remove(m.peerId());
  }

  private void leaveRoom(Member m, String songId) {
    Set<String> room = rooms.get(songId);
    if (room == null) {
      return;
    }
    room.remove(m.peerId());
    m.rooms().remove(songId);
    if (room.isEmpty()) {
      rooms.remove(songId);
    } else {
      broadcast(room, memberEvent(songId, m, "left"));
    }
  }

  private void broadcast(Set<String> room, JsonObject msg) {
    for (String p : room) {
      members.get(p).channel().send(msg);
    }
  }

  private static JsonObject memberEvent(String songId, Member m, String event) {
    return new JsonObject().put("type", "member").put("event", event).put("songId", songId)
        .put("peerId", m.peerId()).put("region", m.region());
  }
}
