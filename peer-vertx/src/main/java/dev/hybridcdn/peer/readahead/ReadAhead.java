package dev.hybridcdn.peer.readahead;

import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-ahead: after a player got segment n of a rendition, the next {@code READ_AHEAD} segments are
 * fetched in the background through the same pipeline (peers first, then edges), so the player's
 * next requests are local hits. Skipped while {@code MAX_DOWNLOADS} fetches are under way, so
 * read-ahead never competes with a player's own request for long; segments already cached or being
 * fetched are left alone. Read-ahead fetches emit SegmentCached but no SegmentDelivered.
 */
public final class ReadAhead {
  private static final Logger LOG = LoggerFactory.getLogger(ReadAhead.class);

  private final String peerId;
  private final int segments;
  private final int maxDownloads;
  private final SegmentCache cache;
  private final SegmentFetcher fetcher;

  /**
   * @param segments {@code READ_AHEAD}, 0 switches read-ahead off
   * @param maxDownloads {@code MAX_DOWNLOADS}: no read-ahead starts while this many fetches run
   */
  public ReadAhead(String peerId, int segments, int maxDownloads, SegmentCache cache, SegmentFetcher fetcher) {
    this.peerId = peerId;
    this.segments = segments;
    this.maxDownloads = maxDownloads;
    this.cache = cache;
    this.fetcher = fetcher;
  }

  /** False when {@code READ_AHEAD} is 0 (callers then need not even look up the manifest). */
  public boolean enabled() {
    return segments > 0;
  }

  /** Starts fetching the segments following {@code segmentId} in its rendition; returns at once. */
  public void after(Manifest manifest, String segmentId) {
    for (Manifest.Segment next : manifest.following(segmentId, segments)) {
      if (fetcher.inFlight() >= maxDownloads) {
        return;
      }
      if (!cache.contains(next.segmentId()) && !fetcher.isFetching(next.segmentId())) {
        fetcher.fetch(next).onFailure(e -> LOG.debug("{}: read-ahead of {} failed: {}", peerId,
            next.segmentId(), e.getMessage()));
      }
    }
  }
}
