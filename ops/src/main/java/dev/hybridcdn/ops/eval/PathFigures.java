package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.NatProbe;
import dev.hybridcdn.ops.swarm.PlayerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Issue 15's figures in {@code cdn eval}: P2P latency by hops to the holder beside seed 000's
 * table 6.1.4 rows, and how much of what other peers ask of NAT'd peers arrives through relays.
 */
final class PathFigures {
  /** Seed 000, section 6.1.4: "P2P (1 hop)" avg 28 ms p95 42 ms, "P2P (2-3 hops)" avg 55 ms p95 85 ms. */
  private static final String[][] SEED = {{"1", "28", "42"}, {"2", "55", "85"}, {"3+", "55", "85"}, {"2-3+", "55", "85"}};

  private PathFigures() {}

  /**
   * The hybrid players' segments answered from other peers ({@code X-CDN-Source: peer}) by {@code
   * X-CDN-Hops}: 1 straight from the holder, 2 and 3+ through 1 or 2 relays; "2-3+" both together,
   * the seed's one row. Avg and p95 in ms (request to last byte, through the player's own peer).
   * Beside them the NAT probe's relayed fetches by hops (requester's ask to verified bytes, peer to
   * peer, no player), since players seldom get a relayed segment.
   *
   * @param probe the hybrid's {@link NatProbe} result, or null
   */
  static EvalTable hopsTable(List<PlayerRequest> peer, NatProbe.Result probe) {
    List<List<String>> rows = new ArrayList<>();
    for (String[] s : SEED) {
      Evaluation.Latency l = players(peer, s[0]);
      double[] p = probed(probe, s[0]);
      rows.add(List.of(s[0], s[1], s[2], l.count() == 0 ? "-" : Evaluation.ms(l.avg()),
          l.count() == 0 ? "-" : Evaluation.ms(l.p95()), Long.toString(l.count()),
          p.length == 0 ? "-" : Evaluation.ms(avg(p)), p.length == 0 ? "-" : Evaluation.ms(p95(p)),
          Integer.toString(p.length)));
    }
    return new EvalTable("hops", "P2P latency by hops to the holder, ms (issue 15)",
        List.of("Hops", "Seed avg", "Seed p95", "Players avg (hybrid)", "Players p95", "Player requests",
            "Relayed fetch avg (NAT probe)", "Relayed fetch p95", "Relayed fetches"), rows,
        "Players: their segment requests their peer answered from another peer (X-CDN-Source: peer), by X-CDN-Hops:"
            + " 1 = from the holder, 2 and 3+ = through relaying peers (X-CDN-Path). Most segments reach players as"
            + " local hits (read ahead from peers) and a NAT'd holder ranks after every direct one, so these rows"
            + " hold few requests. Relayed fetch: the NAT probe after the players (stack.NatProbe), a peer's fetch"
            + " of a segment a NAT'd peer holds, from its ask to the verified bytes, through the topology's"
            + " peer-only path or the NAT'd peer's own relay. Seed 000 6.1.4 has one row for 2-3 hops.");
  }

  private static Evaluation.Latency players(List<PlayerRequest> peer, String row) {
    return Evaluation.Latency.of(peer.stream().filter(q -> hops(row).test(q.hops())).toList());
  }

  private static double[] probed(NatProbe.Result probe, String row) {
    if (probe == null) {
      return new double[0];
    }
    return probe.latencyMsByHops().entrySet().stream().filter(e -> hops(row).test(e.getKey()))
        .flatMap(e -> e.getValue().stream()).mapToDouble(Double::doubleValue).sorted().toArray();
  }

  private static double avg(double[] sorted) {
    return java.util.Arrays.stream(sorted).average().orElse(0);
  }

  /** The nearest-rank p95 of sorted values, as {@code Evaluation.Latency}. */
  private static double p95(double[] sorted) {
    return sorted[Math.max(0, (int) Math.ceil(0.95 * sorted.length) - 1)];
  }

  private static IntPredicate hops(String row) {
    return switch (row) {
      case "1" -> h -> h <= 1;
      case "2" -> h -> h == 2;
      case "3+" -> h -> h >= 3;
      default -> h -> h >= 2;
    };
  }

  /**
   * Adds {@code p2pHops<row>AvgMs}, {@code ...P95Ms} (null without requests) and {@code ...Requests}
   * from the players, and {@code relayedHops<row>AvgMs}, {@code ...P95Ms}, {@code ...Fetches} from the
   * NAT probe; rows {@code 1}, {@code 2}, {@code 3Plus}, {@code 2to3Plus}.
   */
  static void hopFigures(List<PlayerRequest> peer, NatProbe.Result probe, Map<String, Double> figures) {
    for (String[] s : SEED) {
      Evaluation.Latency l = players(peer, s[0]);
      String key = "p2pHops" + s[0].replace("-", "to").replace("+", "Plus");
      figures.put(key + "AvgMs", l.count() == 0 ? null : l.avg());
      figures.put(key + "P95Ms", l.count() == 0 ? null : l.p95());
      figures.put(key + "Requests", (double) l.count());
      double[] p = probed(probe, s[0]);
      String relayed = "relayedHops" + s[0].replace("-", "to").replace("+", "Plus");
      figures.put(relayed + "AvgMs", p.length == 0 ? null : avg(p));
      figures.put(relayed + "P95Ms", p.length == 0 ? null : p95(p));
      figures.put(relayed + "Fetches", (double) p.length);
    }
  }

  /**
   * Adds {@code natPeers}; the swarm's own asks ({@code natSwarmAsked}, {@code natSwarmDelivered}: what
   * the players' peers asked of NAT'd holders through relays); and the probe's ({@code natProbeAsked},
   * {@code natProbeDelivered}, {@code natRelayDeliveredShare} = delivered / asked, null when nothing
   * was asked), the goal's figure.
   */
  static void natFigures(Delivery.NatRelays swarm, NatProbe.Result probe, Map<String, Double> figures) {
    figures.put("natPeers", (double) swarm.natPeers());
    figures.put("natSwarmAsked", (double) swarm.asked());
    figures.put("natSwarmDelivered", (double) swarm.delivered());
    figures.put("natProbeAsked", probe == null ? 0.0 : probe.asked());
    figures.put("natProbeDelivered", probe == null ? 0.0 : probe.delivered());
    figures.put("natRelayDeliveredShare", probe == null ? null : probe.share());
  }

  /** The swarm's own asks of NAT'd holders, for the goals' note. */
  static String swarmNat(Map<String, Double> f) {
    return String.format(Locale.ROOT, "%.0f of %.0f asked of NAT'd holders through relays delivered",
        f.get("natSwarmDelivered"), f.get("natSwarmAsked"));
  }

  /** The goal row: NAT'd peers deliver at least half of what they hold to others, through relays. */
  static List<String> natGoal(Map<String, Double> f) {
    Double share = f.get("natRelayDeliveredShare");
    String measured = share == null ? "nothing asked (" + String.format(Locale.ROOT, "%.0f", f.get("natPeers"))
        + " NAT'd peers)" : Evaluation.pct(share) + String.format(Locale.ROOT, " (%.0f of %.0f asked, %.0f NAT'd peers)",
            f.get("natProbeDelivered"), f.get("natProbeAsked"), f.get("natPeers"));
    return List.of("peers behind NAT deliver >= 50% of what they hold to others, through relays (issue 15)",
        measured, share == null ? "-" : share >= 0.5 ? "yes" : "NO");
  }
}
