package dev.hybridcdn.ops.stack;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.peer.host.PeerNode;
import dev.hybridcdn.peer.route.PathRouter;
import dev.hybridcdn.servicekit.network.NetNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue 15's NAT goal measured on purpose: "peers that accept no inbound connections still deliver at
 * least half of what they hold to others, through relays". In a swarm the NAT'd peers are seldom
 * asked (the other holders of a segment rank first and answer), so after the players are done this
 * asks each NAT'd peer, through the requesters' own relay code, for segments it holds: for up to
 * {@code perPeer} of its cached segments (by id, that its relay does not hold: otherwise the relay
 * would answer from its copy), a public peer other than its relay (round-robin in start order) runs
 * {@link PathRouter#viaRelay} for it: the topology's peer-only path or else the relay the NAT'd peer
 * measures (its own relay), each relay hop, the NAT'd peer's push through its poll, the SHA-256 checks. One at a time, so upload slots are not the limit.
 * A relay further along a topology path may hold the segment too and answer from its copy: that ask did not
 * reach the NAT'd peer, so it is not counted, and the next segment is asked instead (at most
 * {@value #TRIES_PER_ASK} tries per counted ask); such answers are listed under {@value #RELAY_COPY}.
 */
public final class NatProbe {
  /** The failures' key of asks a relay on the path answered from its own copy (not counted in asked). */
  static final String RELAY_COPY = "not counted: a relay on the path answered from its copy";
  /** Tries per counted ask at most: a popular NAT'd peer's segments are often held along the path too. */
  static final int TRIES_PER_ASK = 3;

  /**
   * @param natPeers NAT'd peers of the tier
   * @param asked segments asked of them
   * @param delivered of those, the ones whose bytes came from the NAT'd peer itself
   * @param failures why the others failed, reason -> count (the relay code's messages, node ids removed);
   *     also {@value #RELAY_COPY}, the asks not counted
   * @param latencyMsByHops each delivered segment's time from the requester's ask to its verified
   *     bytes, ms, by hops from the requester to the NAT'd peer (2 = one relay, 3 = two)
   */
  public record Result(int natPeers, int asked, int delivered, Map<String, Integer> failures,
      Map<Integer, List<Double>> latencyMsByHops) {
    /** delivered / asked, or null when nothing was asked. */
    public Double share() {
      return asked == 0 ? null : (double) delivered / asked;
    }
  }

  private NatProbe() {}

  /**
   * @param perPeer segments asked of each NAT'd peer at most
   * @param boundMs each attempt's bound, ms
   * @return nothing asked when the tier has no emulated network, no NAT'd or no public peer
   */
  static Result run(PeerHost host, LocalStack stack, int perPeer, long boundMs) {
    List<PeerNode> nat = new ArrayList<>();
    List<PeerNode> open = new ArrayList<>();
    for (HostedPeer p : host.peers()) {
      PeerNode node = host.peer(p.id());
      NetNode n = stack.network() == null ? null : stack.network().nodeById(p.id());
      if (node == null || n == null || node.pathRouter() == null) {
        continue;
      }
      (n.acceptsInbound() ? open : nat).add(node);
    }
    int asked = 0;
    int delivered = 0;
    int next = 0;
    Map<String, Integer> failures = new TreeMap<>();
    Map<Integer, List<Double>> latency = new TreeMap<>();
    for (PeerNode holder : nat) {
      PeerNode relay = open.stream().filter(o -> o.baseUrl().equals(holder.peerConfig().route().relayUrl()))
          .findFirst().orElse(null);
      List<PeerNode> requesters = open.stream().filter(o -> o != relay).toList();
      if (requesters.isEmpty()) {
        continue;
      }
      List<String> ids = new ArrayList<>(holder.cache().segmentIds());
      ids.sort(null);
      int counted = 0;
      int tries = 0;
      for (String id : ids) {
        CachedSegment seg = holder.cache().get(id);
        if (counted >= perPeer || tries >= perPeer * TRIES_PER_ASK || seg == null
            || (relay != null && relay.cache().contains(id))) {
          continue;
        }
        tries++;
        PeerNode requester = requesters.get(next++ % requesters.size());
        Manifest.Segment info = new Manifest.Segment(id, 0, 0, seg.size(), seg.sha256());
        long t0 = System.nanoTime();
        String failure = null;
        try {
          PathRouter.ViaRelay v = requester.pathRouter().viaRelay(info, holder.id(), boundMs).toCompletionStage()
              .toCompletableFuture().get(boundMs + 5000, TimeUnit.MILLISECONDS);
          List<String> path = v.relayed().path();
          if (!holder.id().equals(path.get(path.size() - 1))) {
            failures.merge(RELAY_COPY, 1, Integer::sum); // never reached the NAT'd peer: not counted
            continue;
          }
          delivered++;
          latency.computeIfAbsent(path.size(), k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
        } catch (java.util.concurrent.ExecutionException e) {
          failure = reason(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
          failure = "no answer within the bound";
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        counted++;
        asked++;
        if (failure != null) {
          failures.merge(failure, 1, Integer::sum);
        }
      }
    }
    return new Result(nat.size(), asked, delivered, failures, latency);
  }

  /** A failure's message without node ids, so alike failures add up (why a topology path was refused kept). */
  static String reason(Throwable t) {
    String m = t == null || t.getMessage() == null ? String.valueOf(t) : t.getMessage();
    // "(topology: a,b,c, 4 hops)" keeps only why the path was refused
    m = m.replaceAll("\\(topology: [^)]*, ([^,)]*)\\)", "(topology path: $1)")
        .replaceAll("[A-Za-z0-9._-]*peer-[0-9]+", "<peer>");
    return m.length() > 120 ? m.substring(0, 120) : m;
  }
}
