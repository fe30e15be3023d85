package dev.hybridcdn.ops.swarm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The live peers of a swarm run and how many players are attached to each. Churn may take any
 * peer ({@link #reserve}), the ones players are playing through included: players fail over to
 * the other pathways of their master playlist (HLS Content Steering), as hls.js does. A peer
 * about to leave gets no new player. Thread-safe.
 */
public final class PeerDirectory {
  private final Map<String, PeerRef> live = new HashMap<>();
  private final Map<String, Integer> attached = new HashMap<>();
  private final Map<String, Boolean> leaving = new HashMap<>();

  public PeerDirectory(List<PeerRef> peers) {
    peers.forEach(this::add);
  }

  /** A peer joined (or re-joined) the swarm. */
  public synchronized void add(PeerRef peer) {
    live.put(peer.peerId(), peer);
    attached.putIfAbsent(peer.peerId(), 0);
    leaving.remove(peer.peerId());
  }

  /** A peer left; players attached to it keep their reference until they detach. */
  public synchronized void remove(String peerId) {
    live.remove(peerId);
    leaving.remove(peerId);
  }

  /** Live peers, sorted by id. */
  public synchronized List<PeerRef> live() {
    List<PeerRef> out = new ArrayList<>(live.values());
    out.sort(Comparator.comparing(PeerRef::peerId));
    return out;
  }

  /**
   * Attaches a player to a live peer that is not about to leave, chosen with {@code random}.
   *
   * @throws IllegalStateException when no peer is available
   */
  public synchronized PeerRef attach(Random random) {
    List<PeerRef> candidates = live().stream().filter(p -> !leaving.containsKey(p.peerId())).toList();
    if (candidates.isEmpty()) {
      throw new IllegalStateException("no live peer to attach a player to");
    }
    PeerRef p = candidates.get(random.nextInt(candidates.size()));
    attached.merge(p.peerId(), 1, Integer::sum);
    return p;
  }

  /** A player is done with its peer. */
  public synchronized void detach(String peerId) {
    attached.computeIfPresent(peerId, (k, n) -> Math.max(0, n - 1));
  }

  /**
   * Marks a live peer, with or without attached players, as leaving (no player attaches to it any
   * more) and returns it, keeping at least {@code minLive} live peers; empty when there is none.
   */
  public synchronized Optional<PeerRef> reserve(Random random, int minLive) {
    if (live.size() - leaving.size() <= minLive) {
      return Optional.empty();
    }
    List<PeerRef> candidates = live().stream().filter(p -> !leaving.containsKey(p.peerId())).toList();
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    PeerRef p = candidates.get(random.nextInt(candidates.size()));
    leaving.put(p.peerId(), true);
    return Optional.of(p);
  }

  /** Players attached to a peer now. */
  public synchronized int attached(String peerId) {
    return attached.getOrDefault(peerId, 0);
  }
}
