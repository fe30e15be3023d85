package dev.hybridcdn.peer.player;

import dev.hybridcdn.contract.manifest.Manifest;
import java.util.function.Predicate;

/** Read-ahead's lead over a player and the {@link dev.hybridcdn.contract.http.CdnHeaders#ANSWER} value. */
final class Lead {
  /** Segments looked at after the playhead: 100 x 10 s is far beyond any read-ahead window. */
  private static final int MAX_SEGMENTS = 100;

  private Lead() {}

  /**
   * Media ms of {@code segmentId}'s rendition cached without a gap right after it: how far read-ahead
   * runs ahead of a player asking for it (0: the next segment is not cached yet; -1 when the
   * manifest does not name the segment).
   */
  static long aheadMs(Manifest manifest, String segmentId, Predicate<String> cached) {
    if (manifest.segment(segmentId) == null) {
      return -1;
    }
    long ms = 0;
    for (Manifest.Segment s : manifest.following(segmentId, MAX_SEGMENTS)) {
      if (!cached.test(s.segmentId())) {
        break;
      }
      ms += s.durationMs();
    }
    return ms;
  }

  /** {@code <how>; ahead=<ms>; busy=<fetches under way>; up=<uploads under way>}. */
  static String header(How how, long aheadMs, int busy, int uploads) {
    return how.token() + "; ahead=" + aheadMs + "; busy=" + busy + "; up=" + uploads;
  }
}
