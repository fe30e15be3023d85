package dev.hybridcdn.ops.replay;

import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.schemas.topics.CdnTopic;
import java.time.Instant;
import java.util.List;

/**
 * {@code cdn replay}: the delivery tables of a period computed from the event history alone
 * ({@code delivery-events}, {@code edge-events}, {@code peer-events}, {@code peer-expirations}).
 */
public final class Replay {
  /** The topics a replay reads, in this order. */
  public static final List<CdnTopic> TOPICS = List.of(CdnTopic.DELIVERY_EVENTS, CdnTopic.EDGE_EVENTS,
      CdnTopic.PEER_EVENTS, CdnTopic.PEER_EXPIRATIONS);

  private Replay() {}

  /**
   * Reads the period and returns the filled analysis (source {@code history}).
   *
   * @param from inclusive, null for the beginning
   * @param to inclusive, null for now
   */
  public static DeliveryAnalysis analyse(HistoryReader reader, Instant from, Instant to) {
    DeliveryAnalysis analysis = new DeliveryAnalysis("history", false);
    analysis.edgeKnown();
    analysis.churnKnown();
    reader.read(TOPICS, from, to, analysis::accept);
    return analysis;
  }
}
