package dev.hybridcdn.peer.player;

import java.util.Locale;

/**
 * How a player's segment was got ({@link dev.hybridcdn.contract.http.CdnHeaders#ANSWER}): which
 * path of {@link PlayerRoute} answered, so an evaluation can tell the latency of a miss sent to the
 * edges at once from one that waited on holders first (issue 13).
 */
public enum How {
  /** The peer's cache had it (read ahead, or played before). */
  LOCAL,
  /** A miss sent to the edges at once ({@code SegmentFetcher.fetchUrgent}: the edge expected sooner). */
  EDGE_FIRST,
  /** A miss through the pipeline: tracker, holders, then the edges; it beat the hedge. */
  FETCH,
  /** A read-ahead under way when the player asked answered it. */
  JOINED,
  /** The edges, raced after {@code PLAYER_HEDGE_MS} (or at once for an overdue read-ahead), answered first. */
  HEDGE,
  /** A joined read-ahead from holders failed; the edges answered. */
  FALLBACK;

  /** The header's token: {@code edge-first}. */
  public String token() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
