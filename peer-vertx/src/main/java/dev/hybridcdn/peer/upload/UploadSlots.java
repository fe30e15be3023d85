package dev.hybridcdn.peer.upload;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Upload slots with choking, after BitTorrent's choking algorithm (Cohen, "Incentives Build
 * Robustness in BitTorrent", 2003, section 3): a few regular slots go to the requesters that upload
 * the most to us (tit-for-tat, recomputed by {@link #rechoke} every 10 s), and one optimistic slot
 * goes to a requester picked at random, rotated by {@link #rotateOptimistic} every 30 s, so a
 * newcomer with nothing to offer yet gets a chance to show it reciprocates.
 *
 * <p>Adaptations for on-demand HTTP (decisions, see README):
 * <ul>
 *   <li>While fewer than {@code regular} peers are unchoked, a new requester is unchoked on arrival
 *       (a cold swarm has no upload history to rank by).</li>
 *   <li>Work-conserving: a choked requester may borrow an idle regular slot as long as at least one
 *       other regular slot stays free for unchoked peers.</li>
 *   <li>A refused requester gets 503 + Retry-After and moves on to the next holder or the edge
 *       at once; nobody queues.</li>
 * </ul>
 * Thread-safe.
 */
public final class UploadSlots {
  /** Which kind of slot an admitted upload holds; give it back with {@link #release}. */
  public enum Grant { REGULAR, OPTIMISTIC }

  private static final class Interest {
    long bytesFromThem; // what this peer uploaded to us since the last rechoke (decayed)
    long lastRequestMs;
    long requests;
  }

  private final int regular;
  private final int optimistic;
  private final long interestWindowMs;
  private final Random random;
  private final Set<String> unchoked = new LinkedHashSet<>();
  private final Map<String, Interest> interest = new HashMap<>();
  private String optimisticPeer;
  private int activeRegular;
  private int activeOptimistic;
  private long uploads;
  private long rejections;

  /**
   * @param regular regular slots (default 4)
   * @param optimistic optimistic slots, 0 or 1
   * @param interestWindowMs how long a peer counts as interested after its last request (ms)
   */
  public UploadSlots(int regular, int optimistic, long interestWindowMs, Random random) {
    if (regular < 1 || optimistic < 0 || optimistic > 1) {
      throw new IllegalArgumentException("regular >= 1 and optimistic 0..1 required");
    }
    this.regular = regular;
    this.optimistic = optimistic;
    this.interestWindowMs = interestWindowMs;
    this.random = random;
  }

  /**
   * Admits an upload to {@code requester} or refuses it (all usable slots busy, or the requester is
   * choked and no slot can be lent).
   *
   * @param nowMs the caller's clock, epoch ms
   */
  public synchronized Optional<Grant> tryAcquire(String requester, long nowMs) {
    Interest in = interest.computeIfAbsent(requester, k -> new Interest());
    in.lastRequestMs = nowMs;
    in.requests++;
    if (!unchoked.contains(requester) && unchoked.size() < regular && !requester.equals(optimisticPeer)) {
      unchoked.add(requester);
    }
    if (unchoked.contains(requester) && activeRegular < regular) {
      activeRegular++;
      uploads++;
      return Optional.of(Grant.REGULAR);
    }
    if (optimistic > 0 && activeOptimistic < optimistic
        && (optimisticPeer == null || optimisticPeer.equals(requester))) {
      optimisticPeer = requester;
      activeOptimistic++;
      uploads++;
      return Optional.of(Grant.OPTIMISTIC);
    }
    if (regular - activeRegular >= 2) {
      activeRegular++;
      uploads++;
      return Optional.of(Grant.REGULAR);
    }
    rejections++;
    return Optional.empty();
  }

  /** Gives back a slot obtained from {@link #tryAcquire}. */
  public synchronized void release(Grant grant) {
    if (grant == Grant.REGULAR) {
      activeRegular = Math.max(0, activeRegular - 1);
    } else {
      activeOptimistic = Math.max(0, activeOptimistic - 1);
    }
  }

  /** Records {@code bytes} that {@code peerId} uploaded to us (what tit-for-tat ranks by). */
  public synchronized void receivedFrom(String peerId, long bytes) {
    interest.computeIfAbsent(peerId, k -> new Interest()).bytesFromThem += bytes;
  }

  /**
   * Recomputes the regular (unchoked) set: the {@code regular} interested peers that uploaded most
   * to us, ties broken by the most recent request; then halves every upload figure so the ranking
   * follows recent behaviour. Peers not interested for the interest window are forgotten.
   */
  public synchronized void rechoke(long nowMs) {
    Iterator<Map.Entry<String, Interest>> it = interest.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Interest> e = it.next();
      if (nowMs - e.getValue().lastRequestMs > interestWindowMs && e.getValue().bytesFromThem == 0) {
        it.remove();
      }
    }
    List<Map.Entry<String, Interest>> ranked = new ArrayList<>();
    for (Map.Entry<String, Interest> e : interest.entrySet()) {
      if (nowMs - e.getValue().lastRequestMs <= interestWindowMs) {
        ranked.add(e);
      }
    }
    ranked.sort(Comparator.<Map.Entry<String, Interest>>comparingLong(e -> e.getValue().bytesFromThem).reversed()
        .thenComparing(Comparator.<Map.Entry<String, Interest>>comparingLong(e -> e.getValue().lastRequestMs)
            .reversed()));
    unchoked.clear();
    for (int i = 0; i < ranked.size() && unchoked.size() < regular; i++) {
      unchoked.add(ranked.get(i).getKey());
    }
    for (Interest in : interest.values()) {
      in.bytesFromThem /= 2;
    }
  }

  /**
   * Picks a new optimistic peer at random among interested peers that are choked (none: the slot
   * goes to the next choked requester).
   */
  public synchronized void rotateOptimistic(long nowMs) {
    List<String> candidates = new ArrayList<>();
    for (Map.Entry<String, Interest> e : interest.entrySet()) {
      if (!unchoked.contains(e.getKey()) && nowMs - e.getValue().lastRequestMs <= interestWindowMs) {
        candidates.add(e.getKey());
      }
    }
    candidates.sort(null); // deterministic order before the random pick
    optimisticPeer = candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
  }

  public synchronized int active() {
    return activeRegular + activeOptimistic;
  }

  /** Regular plus optimistic slots. */
  public int capacity() {
    return regular + optimistic;
  }

  public synchronized List<String> unchokedPeers() {
    return List.copyOf(unchoked);
  }

  /** The peer holding the optimistic unchoke, or null. */
  public synchronized String optimisticPeer() {
    return optimisticPeer;
  }

  /** Uploads admitted since start. */
  public synchronized long uploads() {
    return uploads;
  }

  /** Requests refused with 503 since start. */
  public synchronized long rejections() {
    return rejections;
  }
}
