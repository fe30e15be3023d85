package dev.hybridcdn.ops.stack;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which public peer relays for each peer behind NAT in a local stack (issue 15): a NAT'd peer
 * accepts no inbound connection, so it keeps an outbound poll to one relay peer ({@code RELAY_URL})
 * and every segment others ask of it passes there. The choice is deterministic (same peers, same
 * plan) and spreads the load:
 * <ol>
 *   <li>a public peer in the NAT'd peer's region carrying fewer than {@value #SOFT_CAP} NAT'd peers
 *       (the backbone between regions costs tens of ms per hop);</li>
 *   <li>else a public peer in any region below that cap;</li>
 *   <li>else the least loaded public peer of its region, else of any region;</li>
 * </ol>
 * ties going to the fewest NAT'd peers carried, then to the earlier peer in start order. Without a
 * public peer there is no relay (the NAT'd peer then serves nobody).
 */
public final class RelayPlan {
  /**
   * NAT'd peers a relay takes before another region's peer is preferred. Each costs the relay one
   * held long poll and a share of its upload slots; at the default model's 10% NAT share a relay
   * rarely gets a second.
   */
  static final int SOFT_CAP = 3;

  /** A peer of the stack: id, region, and whether other peers can connect to it. */
  public record Peer(String id, String region, boolean acceptsInbound) {}

  private final Map<String, Integer> load = new HashMap<>();
  private final List<Peer> publicPeers = new ArrayList<>();

  /** @param peers the running (or about to start) peers, in start order */
  public RelayPlan(List<Peer> peers) {
    for (Peer p : peers) {
      if (p.acceptsInbound()) {
        publicPeers.add(p);
        load.put(p.id(), 0);
      }
    }
  }

  /**
   * The relays of every NAT'd peer of {@code peers}, in their order.
   *
   * @return NAT'd peer id -> relay id; a NAT'd peer without any public peer is missing
   */
  public static Map<String, String> assign(List<Peer> peers) {
    RelayPlan plan = new RelayPlan(peers);
    Map<String, String> out = new LinkedHashMap<>();
    for (Peer p : peers) {
      if (!p.acceptsInbound()) {
        plan.relayFor(p).ifPresent(r -> out.put(p.id(), r));
      }
    }
    return out;
  }

  /** Picks (and counts) the relay of one more NAT'd peer; empty when no peer accepts inbound connections. */
  public Optional<String> relayFor(Peer nat) {
    Comparator<Peer> byLoad = Comparator.comparingInt(p -> load.get(p.id()));
    Optional<Peer> pick = best(nat, true, true, byLoad)
        .or(() -> best(nat, false, true, byLoad))
        .or(() -> best(nat, true, false, byLoad))
        .or(() -> best(nat, false, false, byLoad));
    pick.ifPresent(p -> load.merge(p.id(), 1, Integer::sum));
    return pick.map(Peer::id);
  }

  /** Counts one more NAT'd peer on a relay placed before this plan (a running stack); unknown ids are ignored. */
  public void carries(String relayId) {
    load.computeIfPresent(relayId, (k, v) -> v + 1);
  }

  private Optional<Peer> best(Peer nat, boolean sameRegion, boolean belowCap, Comparator<Peer> byLoad) {
    // min() keeps the first of equals: start order breaks ties
    return publicPeers.stream()
        .filter(p -> !p.id().equals(nat.id()))
        .filter(p -> !sameRegion || p.region().equals(nat.region()))
        .filter(p -> !belowCap || load.get(p.id()) < SOFT_CAP)
        .min(byLoad);
  }

  /** NAT'd peers each relay carries so far, by relay id (public peers with none included). */
  public Map<String, Integer> load() {
    return Map.copyOf(load);
  }
}
