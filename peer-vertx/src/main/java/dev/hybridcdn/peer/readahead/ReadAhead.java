package dev.hybridcdn.peer.readahead;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-ahead: after a player got segment n of a rendition, the next {@code READ_AHEAD} segments are
 * fetched in the background through the same pipeline (peers first, then edges), so the player's
 * next requests are local hits. Order (issue 14, seed 002's rarest first): the {@value #URGENT}
 * segment(s) right after the playhead first, as the player needs them next; then the rest of the
 * window by how many holders the tracker knows ({@link Availability}), fewest first (ties by
 * position), so the copies the swarm lacks are made while there is time; without availability (P2P
 * off, tracker away) in playback order. Skipped while {@code MAX_DOWNLOADS} fetches are under way,
 * so read-ahead never competes with a player's own request for long; segments already cached or
 * being fetched are left alone. Read-ahead fetches emit SegmentCached but no SegmentDelivered.
 */
public final class ReadAhead {
  private static final Logger LOG = LoggerFactory.getLogger(ReadAhead.class);
  /** Segments after the playhead fetched first, in order, before rarest first applies. */
  public static final int URGENT = 1;
  /** How long a song's holder counts are reused, ms: a player asks every few seconds per segment. */
  static final long AVAILABILITY_TTL_MS = 2000;
  private static final int MAX_SONGS = 256;

  /** Holder counts per segment of a song (tracker {@code GET /songs/{songId}/availability}). */
  @FunctionalInterface
  public interface Availability {
    /** @return segment id -> holders (absent = none); never fails, empty when unknown */
    Future<Map<String, Integer>> of(String songId);
  }

  /** The part of the fetch pipeline read-ahead uses ({@link SegmentFetcher}; a recording stand-in in tests). */
  public interface Fetches {
    /** Fetches under way. */
    int inFlight();

    boolean isFetching(String segmentId);

    /** Fetches, verifies and caches the segment. */
    Future<?> fetch(Manifest.Segment segment);

    /** The peer's fetch pipeline. */
    static Fetches of(SegmentFetcher fetcher) {
      return new Fetches() {
        @Override
        public int inFlight() {
          return fetcher.inFlight();
        }

        @Override
        public boolean isFetching(String segmentId) {
          return fetcher.isFetching(segmentId);
        }

        @Override
        public Future<?> fetch(Manifest.Segment segment) {
          return fetcher.fetch(segment);
        }
      };
    }
  }

  private record Counts(long atMs, Map<String, Integer> holders) {}

  private final String peerId;
  private final int segments;
  private final int maxDownloads;
  private final SegmentCache cache;
  private final Fetches fetcher;
  private final Availability availability;
  private final Map<String, Counts> counts = new ConcurrentHashMap<>();

  /**
   * @param segments {@code READ_AHEAD}, 0 switches read-ahead off
   * @param maxDownloads {@code MAX_DOWNLOADS}: no read-ahead starts while this many fetches run
   * @param availability holder counts, or null (P2P off): playback order
   */
  public ReadAhead(String peerId, int segments, int maxDownloads, SegmentCache cache, Fetches fetcher,
      Availability availability) {
    this.peerId = peerId;
    this.segments = segments;
    this.maxDownloads = maxDownloads;
    this.cache = cache;
    this.fetcher = fetcher;
    this.availability = availability;
  }

  /** False when {@code READ_AHEAD} is 0 (callers then need not even look up the manifest). */
  public boolean enabled() {
    return segments > 0;
  }

  /** Starts fetching the segments following {@code segmentId} in its rendition; returns at once. */
  public void after(Manifest manifest, String segmentId) {
    List<Manifest.Segment> window = manifest.following(segmentId, segments);
    int urgent = Math.min(URGENT, window.size());
    start(window.subList(0, urgent));
    List<Manifest.Segment> rest = window.subList(urgent, window.size());
    if (rest.isEmpty() || rest.stream().allMatch(s -> cache.contains(s.segmentId()))) {
      return;
    }
    holderCounts(manifest.songId()).onComplete(ar -> start(rarestFirst(rest, ar.succeeded() ? ar.result() : Map.of())));
  }

  /**
   * {@code window} ordered fewest holders first, ties (and segments of equal counts) in playback
   * order; a segment absent from {@code holders} has none.
   */
  public static List<Manifest.Segment> rarestFirst(List<Manifest.Segment> window, Map<String, Integer> holders) {
    List<Manifest.Segment> out = new ArrayList<>(window);
    out.sort(Comparator.<Manifest.Segment>comparingInt(s -> holders.getOrDefault(s.segmentId(), 0))
        .thenComparingInt(Manifest.Segment::index));
    return out;
  }

  private Future<Map<String, Integer>> holderCounts(String songId) {
    if (availability == null) {
      return Future.succeededFuture(Map.of());
    }
    long now = System.currentTimeMillis();
    Counts c = counts.get(songId);
    if (c != null && now - c.atMs() < AVAILABILITY_TTL_MS) {
      return Future.succeededFuture(c.holders());
    }
    return availability.of(songId).onSuccess(h -> {
      if (counts.size() >= MAX_SONGS) {
        counts.clear();
      }
      counts.put(songId, new Counts(now, h));
    });
  }

  private void start(List<Manifest.Segment> list) {
    for (Manifest.Segment next : list) {
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
