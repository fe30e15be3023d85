package dev.hybridcdn.ops.eval;

import java.util.List;
import java.util.Map;

/**
 * What {@code cdn eval} measured: the tables, the seed tables it could not produce and why, and
 * the headline figures (also the goals of issue 13), and how the run was made.
 *
 * @param tables every table produced, in the seed's order, then listener and goals
 * @param missing seed tables not produced, id -> reason
 * @param figures headline figures: {@code hybridAvgLatencyMs},
 *     {@code traditionalCdnAvgLatencyMs} (players on their region's edge), {@code
 *     peersP2pOffAvgLatencyMs}, {@code failures} (all runs), {@code stalls} (all runs), the rest
 *     the goals use, and issue 15's: {@code p2pHops1AvgMs} / {@code P95Ms} / {@code Requests} (also
 *     {@code p2pHops2...}, {@code p2pHops3Plus...}, {@code p2pHops2to3Plus...}; ms, null without
 *     requests), {@code natPeers}, {@code natSwarmAsked} / {@code natSwarmDelivered}, {@code
 *     natProbeAsked} / {@code natProbeDelivered} and {@code natRelayDeliveredShare} (0 to 1, null when
 *     nothing was asked; {@code stack.NatProbe})
 * @param run how it was run: date, machine, model, peers, players, speed-up, wall time
 */
public record EvalReport(List<EvalTable> tables, Map<String, String> missing, Map<String, Double> figures,
    Map<String, Object> run) {}
