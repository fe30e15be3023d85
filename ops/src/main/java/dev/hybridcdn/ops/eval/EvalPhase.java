package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.demo.Demo;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.ops.stack.Delivery;
import dev.hybridcdn.ops.stack.NatProbe;
import dev.hybridcdn.ops.swarm.PlayerRequest;
import dev.hybridcdn.ops.swarm.Session;
import dev.hybridcdn.ops.swarm.Swarm;
import java.util.List;
import java.util.Map;

/** One delivery tier's run as {@link Evaluation}'s tables need it. */
record EvalPhase(Summary report, List<PlayerRequest> segments, List<Session> sessions, long failures,
    Delivery.Hedges hedges, Delivery.NatRelays natRelays, NatProbe.Result natProbe, List<PlayerRequest> requests,
    Map<String, Long> fetches) {
  static EvalPhase of(Demo.Phase p) {
    Swarm.Result r = p.swarm();
    List<PlayerRequest> segs = r.requests().stream()
        .filter(q -> !q.failed() && q.kind() == PlayerRequest.Kind.SEGMENT).toList();
    return new EvalPhase(p.report(), segs, r.sessions(), r.failures().size(), p.hedges(), p.natRelays(), p.natProbe(),
        r.requests(), p.fetches());
  }

  List<PlayerRequest> tier(String tier) {
    return segments.stream().filter(q -> tier.equals(q.source())).toList();
  }

  long bytes() {
    return segments.stream().mapToLong(PlayerRequest::bytes).sum();
  }

  double avgLatencyMs() {
    return Evaluation.Latency.of(segments).avg();
  }

  long edgeEgress() {
    return report.edge() == null ? 0 : report.edge().bytes();
  }

  long originEgress() {
    return report.edge() == null ? 0 : report.edge().missBytes();
  }

  long peerUploads() {
    return report.peers() == null ? 0 : report.peers().uploadedBytes();
  }

  /**
   * Bytes of segments the peers fetched and kept ({@code bytes.<purpose>.<tier>} of their fetch
   * ledgers), from other peers ({@code tier = peer}) or from any source.
   */
  long keptBytes(boolean fromPeersOnly) {
    return fetches.entrySet().stream()
        .filter(e -> e.getKey().startsWith("bytes.") && (!fromPeersOnly || e.getKey().endsWith(".peer")))
        .mapToLong(Map.Entry::getValue).sum();
  }

  int stalls() {
    return sessions.stream().mapToInt(Session::stalls).sum();
  }
}
