package dev.hybridcdn.peer.readahead;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.FetchLedger;
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
 * Read-ahead: after a player got segment n of a rendition, the next segments are fetched in the
 * background, so the player's next requests are local hits. The window is {@code READ_AHEAD}
 * segments, and with P2P on at least {@code READ_AHEAD_MS} of media (the player's 30 s buffer goal
 * plus a margin: the further ahead a segment is asked for, the longer a holder on a thin uplink has
 * to deliver it). Split as p2p-media-loader does: the segments right after the playhead are the HTTP
 * window, fetched at once: after a miss in the player's start-up burst (its next requests follow at once)
 * the next {@value #BURST_WINDOW_MS} ms of media (the next segment: the player is likely to switch
 * rendition after its first), where they finish first
 * ({@link SegmentFetcher#fetchUrgent}: the edge under the default model); after a local hit in a burst
 * the next segment holders first (the player has media buffered); in steady play
 * ({@value #BURST_GAP_MS} ms or more since the segment before was answered: the player asks again
 * a segment's playing time later) the next {@value #HTTP_WINDOW_MS} ms of media through the full
 * pipeline, holders first when the tracker knows one ({@link SegmentFetcher#fetch}), so read-ahead
 * stays at least a segment ahead of the player's requests; the rest is the P2P
 * window, fetched from holders only ({@link SegmentFetcher#fetchAhead}), rarest first by how many
 * holders the tracker knows ({@link Availability}), fewest first (ties by position), so the copies
 * the swarm lacks are made while there is time; a segment no holder has yet is passed over
 * ({@link #withHolders}) and left for a later round or for the HTTP window. Without availability (P2P off) the window is {@code READ_AHEAD}
 * segments in playback order through the full pipeline. A player's miss in a start-up burst also
 * has the segments it asks for next (its 30 s buffer goal) asked of holders at once ({@link #missed}),
 * so its next requests join transfers under way. Nothing starts while {@code MAX_DOWNLOADS}
 * fetches are under way, and the P2P window waits while a player of this peer waits for a segment
 * (its bytes share the downlink); segments already cached or being fetched are left alone.
 * Read-ahead fetches emit SegmentCached but no SegmentDelivered.
 */
public final class ReadAhead {
  private static final Logger LOG = LoggerFactory.getLogger(ReadAhead.class);
  /**
   * Media after the player's last request, ms, the HTTP window keeps fetched in steady play: its next
   * two requests at 10 s segments. With only the next segment (before), read-ahead ran just in time:
   * in a full cdn eval 60% of the hybrid's player requests found nothing cached after their segment
   * (P2P off, reading 3 segments ahead: 15%), and each late segment made the player wait for it.
   */
  static final long HTTP_WINDOW_MS = 20_000;
  /**
   * Media fetched at once, ms, where it finishes first, after a miss in a start-up burst: the next
   * segment (at least one whatever its length). It was hls.js's {@code maxBufferLength} (30 s), what
   * the player asks for back to back; but a player starts at a low rendition and switches up after its
   * first segment (hls.js's estimate, once it has a sample), so most of those 30 s were fetched in a
   * rendition nobody played, and the switch's own window ({@link #SWITCH_WINDOW}) fetched them again.
   * Measured in a full {@code cdn eval} (2026-11-30): 10 s cut the burst's edge bytes from 49.4 to 30.0
   * MB and raised the share from peers from 73.2% to 76.4%, the hybrid's latency 23.4 -> 24.1 ms.
   */
  static final long BURST_WINDOW_MS = 10_000;
  /**
   * Media a player in its start-up burst asks for back to back, ms: hls.js's {@code maxBufferLength}
   * (30 s), which {@link #missed} asks of holders at once.
   */
  static final long BUFFER_GOAL_MS = 30_000;
  /** How long a song's holder counts are reused, ms: a player asks every few seconds per segment. */
  static final long AVAILABILITY_TTL_MS = 2000;
  private static final int MAX_SONGS = 256;
  /** Most segments whose last answer time {@link #answered} keeps (cleared when full). */
  private static final int MAX_ANSWERED = 1024;
  /**
   * Read-aheads from holders at once. Each holder's uplink is thin, so more transfers at once
   * finish no sooner in total, but they take this peer's downlink from a player's urgent fetch
   * (measured under the default model: edge answers 3-5x slower with 4 at once).
   */
  static final int AHEAD_FROM_HOLDERS = 2;
  /** Segments fetched at once when a player switches rendition: hls.js refills its 30 s buffer (three 10 s segments). */
  static final int SWITCH_WINDOW = 3;
  /** A playhead older than this, ms, is not a switch: the player started the song again or left. */
  static final long SWITCH_RECENT_MS = 30_000;
  /**
   * Shortest gap, ms, between a player's requests for consecutive segments that counts as steady play:
   * in a burst requests follow as answers arrive (tens to hundreds of ms); in steady play a segment's
   * playing time apart (10 s segments: 10 s, 2.5 s at the eval's 4x).
   */
  static final long BURST_GAP_MS = 1000;
  /** Most segments in a window, whatever {@code READ_AHEAD_MS} says (very short segments). */
  static final int MAX_WINDOW = 100;
  /**
   * Share of a steady player's buffer, in real time, its miss may wait for holders before the edges
   * are asked ({@link #patienceMs}): an eighth leaves the player seven eighths of its buffer for the
   * edge's copy after it, whatever the speed of play.
   */
  static final double PATIENCE_SHARE = 1.0 / 8;
  /** Longest a steady player's miss waits for holders, ms, however much it has buffered. */
  static final long MAX_PATIENCE_MS = 2000;
  /**
   * Longest a player in its start-up burst waits for the read-ahead from holders it joined ({@link
   * #burstPatienceMs}), ms: a burst's next request follows the answer before it, so the player has that
   * segment's media buffered at least, and the read-ahead was asked of holders one answer or more before.
   * Measured in full {@code cdn eval} runs at 4x (ops/MEASUREMENTS.md, 2026-12-02): of 44 bursts hedged
   * before, 500 ms left 26 and 1 s left 3, at the same latency (18.5-18.6 ms, traditional CDN 60.6-60.8).
   */
  public static final long MAX_BURST_PATIENCE_MS = 1000;

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

    /** Fetches, verifies and caches the segment (the HTTP window: where it finishes first). */
    Future<?> fetch(Manifest.Segment segment);

    /** Fetches, verifies and caches the segment from holders only (the P2P window). */
    default Future<?> fetchAhead(Manifest.Segment segment) {
      return fetch(segment);
    }

    /**
     * Fetches, verifies and caches the segment through the full pipeline (holders first when the
     * tracker knows any, within {@code P2P_BUDGET_MS}, then the edges): the HTTP window's segment
     * when the player is not in a burst, so it has a segment's playing time to arrive.
     */
    default Future<?> fetchNext(Manifest.Segment segment) {
      return fetch(segment);
    }

    /**
     * Fetches, verifies and caches from holders only a segment a player in its start-up burst asks
     * for next ({@link #missed}).
     */
    default Future<?> fetchBurst(Manifest.Segment segment) {
      return fetchAhead(segment);
    }

    /** Fetches, verifies and caches a segment of the rendition a player switches to (where it finishes first). */
    default Future<?> fetchSwitch(Manifest.Segment segment) {
      return fetch(segment);
    }

    /**
     * Fetches, verifies and caches a segment the topology pushed to this peer (song distribution): holders
     * first, then the edges, as a fetch no player waits for.
     */
    default Future<?> fetchPushed(Manifest.Segment segment) {
      return fetch(segment);
    }

    /** Players of this peer waiting for a segment now. */
    default int playersWaiting() {
      return 0;
    }

    /** Read-aheads from holders under way. */
    default int aheadInFlight() {
      return 0;
    }

    /** Counts why the P2P window did not start a segment; null: not counted. */
    default FetchLedger ledger() {
      return null;
    }

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
          return fetcher.fetchUrgent(segment, FetchLedger.Purpose.HTTP_WINDOW, 0);
        }

        @Override
        public Future<?> fetchAhead(Manifest.Segment segment) {
          return fetcher.fetchAhead(segment);
        }

        @Override
        public Future<?> fetchBurst(Manifest.Segment segment) {
          return fetcher.fetchAhead(segment, FetchLedger.Purpose.BURST);
        }

        @Override
        public Future<?> fetchNext(Manifest.Segment segment) {
          return fetcher.fetch(segment, FetchLedger.Purpose.NEXT);
        }

        @Override
        public Future<?> fetchSwitch(Manifest.Segment segment) {
          return fetcher.fetchUrgent(segment, FetchLedger.Purpose.SWITCH, 0);
        }

        @Override
        public Future<?> fetchPushed(Manifest.Segment segment) {
          return fetcher.fetch(segment, FetchLedger.Purpose.PUSH);
        }

        @Override
        public int playersWaiting() {
          return fetcher.playersWaiting();
        }

        @Override
        public int aheadInFlight() {
          return fetcher.aheadInFlight();
        }

        @Override
        public FetchLedger ledger() {
          return fetcher.ledger();
        }
      };
    }
  }

  private record Counts(long atMs, Map<String, Integer> holders) {}

  /** The last segment of a song this peer served a player: rendition, index, when (epoch ms). */
  private record Playhead(String rendition, int index, long atMs) {}

  private final String peerId;
  private final int segments;
  private final long aheadMediaMs;
  private final int maxDownloads;
  private final SegmentCache cache;
  private final Fetches fetcher;
  private final Availability availability;
  private final Map<String, Counts> counts = new ConcurrentHashMap<>();
  /** Per song; bounded like {@link #counts} (cleared when full). */
  private final Map<String, Playhead> playheads = clearedWhenFull(MAX_SONGS);
  /**
   * When each segment was last answered to a player of this peer, epoch ms: whether a request plays
   * steadily is read from its own previous segment, not from the song's playhead, which another player
   * of the same song on this peer moves (two players of a popular song on one peer are common: a
   * full cdn eval has two players per peer, half of them on one song).
   */
  private final Map<String, Long> answered = clearedWhenFull(MAX_ANSWERED);

  /** A concurrent map that forgets everything when a new key would make it hold more than {@code max}. */
  private static <V> Map<String, V> clearedWhenFull(int max) {
    return new ConcurrentHashMap<>() {
      @Override
      public V put(String key, V value) {
        if (size() >= max && !containsKey(key)) {
          clear();
        }
        return super.put(key, value);
      }
    };
  }

  /**
   * @param segments {@code READ_AHEAD}, 0 switches read-ahead off
   * @param aheadMediaMs {@code READ_AHEAD_MS}: with availability (P2P on) the window holds at least
   *     this much media, ms; 0 = {@code segments} only
   * @param maxDownloads {@code MAX_DOWNLOADS}: no read-ahead starts while this many fetches run
   * @param availability holder counts, or null (P2P off): playback order
   */
  public ReadAhead(String peerId, int segments, long aheadMediaMs, int maxDownloads, SegmentCache cache,
      Fetches fetcher, Availability availability) {
    this.peerId = peerId;
    this.segments = segments;
    this.aheadMediaMs = availability == null ? 0 : aheadMediaMs;
    this.maxDownloads = maxDownloads;
    this.cache = cache;
    this.fetcher = fetcher;
    this.availability = availability;
  }

  /** False when {@code READ_AHEAD} is 0 (callers then need not even look up the manifest). */
  public boolean enabled() {
    return segments > 0;
  }

  /**
   * Starts fetching the segments following {@code segmentId} in its rendition; returns at once.
   *
   * @param hit the player's segment was a local hit: the player is past its start-up burst (or a
   *     rendition switch), so the P2P window starts now; after a miss in a burst only the HTTP window,
   *     as the player's next requests follow at once and need this peer's downlink (a miss in steady
   *     play is a late read-ahead: the P2P window too; P2P off: no difference, the whole window is
   *     fetched)
   */
  public void after(Manifest manifest, String segmentId, boolean hit) {
    after(manifest, segmentId, hit, System.currentTimeMillis());
  }

  /** {@link #after(Manifest, String, boolean)} at {@code now}, epoch ms. */
  void after(Manifest manifest, String segmentId, boolean hit, long now) {
    Manifest.Segment at = manifest.segment(segmentId);
    // A player's request a segment's playing time after the one before plays steadily, hit or not
    // (a late read-ahead it joined); otherwise it is in a burst and asks again at once.
    boolean steady = steady(manifest, at, now);
    if (at != null && availability != null) {
      playheads.put(manifest.songId(), new Playhead(at.rendition(), at.index(), now));
      answered.put(segmentId, now);
    }
    List<Manifest.Segment> window = window(manifest, segmentId);
    int urgent = Math.min(httpWindow(window, steady, hit), window.size());
    // After a local hit the player has that segment's media buffered at least: its next segment goes to
    // holders first. Only a miss in a burst (a player starting, nothing buffered) races to the edges.
    start(window.subList(0, urgent), steady || hit ? Mode.NEXT : Mode.URGENT);
    List<Manifest.Segment> rest = window.subList(urgent, window.size());
    if (rest.isEmpty() || rest.stream().allMatch(s -> cache.contains(s.segmentId()))) {
      return;
    }
    if (availability != null && !hit && !steady) {
      note(FetchLedger.Event.WINDOW_AFTER_MISS);
      return;
    }
    holderCounts(manifest.songId()).onComplete(ar -> {
      Map<String, Integer> holders = ar.succeeded() ? ar.result() : Map.of();
      if (availability == null) {
        start(rest, Mode.URGENT);
        return;
      }
      start(rarestFirst(withHolders(rest, holders), holders), Mode.PEERS);
    });
  }

  /**
   * How long the player asking for {@code segmentId} now can wait for holders before the edges are
   * asked, ms: {@value #PATIENCE_SHARE} of the media it has buffered, in real time, at most {@value
   * #MAX_PATIENCE_MS}; 0 when that is not known (a start-up burst, a switch, P2P off). Known only in
   * steady play: the player asks {@value #BURST_GAP_MS} ms or more after its previous segment was
   * answered, which an hls.js player does only with {@value #BUFFER_GOAL_MS} ms of media buffered
   * ({@code maxBufferLength}); this segment is what it lacks of that. The idle time since that answer
   * is about the previous segment's playing time in real time, so it gives the speed of play (the
   * eval's 4x too); a slow previous answer shortens it, which errs on the patient side's safe end.
   *
   * @return ms, 0 to {@value #MAX_PATIENCE_MS}
   */
  public long patienceMs(Manifest manifest, String segmentId) {
    return patienceMs(manifest, segmentId, System.currentTimeMillis());
  }

  /** {@link #patienceMs(Manifest, String)} at {@code now}, epoch ms. */
  long patienceMs(Manifest manifest, String segmentId, long now) {
    Manifest.Segment at = manifest.segment(segmentId);
    long idleMs = sinceAnswerBefore(manifest, at, now);
    Manifest.Segment previous = previous(manifest, at);
    if (!enabled() || idleMs < BURST_GAP_MS || previous.durationMs() <= 0) {
      return 0; // not steady play (then previous is known), or nothing to measure the speed of play with
    }
    double realPerMediaMs = (double) idleMs / previous.durationMs();
    double bufferedRealMs = Math.max(0, BUFFER_GOAL_MS - at.durationMs()) * realPerMediaMs;
    return Math.min(MAX_PATIENCE_MS, Math.round(bufferedRealMs * PATIENCE_SHARE));
  }

  /**
   * How long a player in its start-up burst (not steady play) can wait for a read-ahead from holders it
   * joins before the edges are asked, ms: {@value #PATIENCE_SHARE} of the segment before it, which this
   * peer answered (the player has its media buffered), as if played in real time, at most {@value
   * #MAX_BURST_PATIENCE_MS}; 0 when that segment was not answered here, or in steady play ({@link
   * #patienceMs}) or P2P off. Only for a read-ahead joined: a segment not under way still goes where it
   * finishes first (holders first for a burst's HTTP window made every answer slower, and moved its edge
   * bytes to hedges and misses: ops/MEASUREMENTS.md, 2026-12-01 and 2026-12-02).
   *
   * @return ms, 0 to {@value #MAX_BURST_PATIENCE_MS}
   */
  public long burstPatienceMs(Manifest manifest, String segmentId) {
    return burstPatienceMs(manifest, segmentId, System.currentTimeMillis());
  }

  /** {@link #burstPatienceMs(Manifest, String)} at {@code now}, epoch ms. */
  long burstPatienceMs(Manifest manifest, String segmentId, long now) {
    Manifest.Segment at = manifest.segment(segmentId);
    long idleMs = sinceAnswerBefore(manifest, at, now);
    if (!enabled() || idleMs < 0 || idleMs >= BURST_GAP_MS) {
      return 0; // the segment before not answered here, or steady play (patienceMs)
    }
    long bufferedMs = previous(manifest, at).durationMs();
    return Math.min(MAX_BURST_PATIENCE_MS, Math.round(Math.max(0, bufferedMs) * PATIENCE_SHARE));
  }

  /**
   * A player's miss, as it is asked (before its answer). In a start-up burst (not steady play, P2P
   * on) the player asks for the segments after it back to back until {@value #BUFFER_GOAL_MS} ms of
   * media are buffered: those after the burst window (the next {@value #BURST_WINDOW_MS} ms, the HTTP
   * window's edge fetch after the answer) are asked of holders now, in playback order
   * ({@link Fetches#fetchBurst}), one answer or more before the player asks for them. The player's
   * next requests join these transfers; one still running is hedged as any read-ahead a player joins
   * (the edges asked for all of it, or for the rest of a holder's body so far). Before, the whole
   * burst came from the edges (issue 13: 49 of 77 MB of the edges' bytes in a full {@code cdn eval});
   * measured in the ops measurement log, 2026-12-01: 66.8% -> 70.0% of the peers' downloads from
   * peers, 10.1 -> 13.3 ms average latency. Segments cached or under way are left alone.
   */
  public void missed(Manifest manifest, String segmentId) {
    missed(manifest, segmentId, System.currentTimeMillis());
  }

  /** {@link #missed(Manifest, String)} at {@code now}, epoch ms. */
  void missed(Manifest manifest, String segmentId, long now) {
    Manifest.Segment at = manifest.segment(segmentId);
    if (availability == null || !enabled() || at == null || steady(manifest, at, now)) {
      return;
    }
    List<Manifest.Segment> following = manifest.following(segmentId, MAX_WINDOW);
    List<Manifest.Segment> next = following.subList(0, toHold(following, BUFFER_GOAL_MS));
    // The burst window's segments (the next 10 s) are asked within one answer's time: the HTTP
    // window's edge fetch after the answer, which a holder on a thin uplink does not beat.
    for (Manifest.Segment s : next.subList(httpWindow(next, false, false), next.size())) {
      if (fetcher.inFlight() >= maxDownloads) {
        return;
      }
      if (!cache.contains(s.segmentId()) && !fetcher.isFetching(s.segmentId())) {
        fetcher.fetchBurst(s).onFailure(e -> burstFailed(manifest, s));
      }
    }
  }

  /**
   * A burst's fetch from holders failed (none, or none delivered): a segment the HTTP window passed
   * over meanwhile (it found this fetch under way), in the burst window after the player's last
   * segment ({@link #httpWindow}), goes where it finishes first, as the HTTP window would have sent it.
   * Any other is left for the player's request or a later read-ahead.
   */
  private void burstFailed(Manifest manifest, Manifest.Segment s) {
    Playhead p = playheads.get(manifest.songId());
    Manifest.Rendition r = manifest.rendition(s.rendition());
    if (p == null || r == null || !p.rendition().equals(s.rendition())
        || cache.contains(s.segmentId()) || fetcher.isFetching(s.segmentId())) {
      return;
    }
    List<Manifest.Segment> after = r.segments().stream().filter(b -> b.index() > p.index()).toList();
    if (after.subList(0, httpWindow(after, false, false)).contains(s)) {
      fetcher.fetch(s);
    }
  }

  /**
   * The segments of the P2P window some holder has: a segment the tracker's counts leave out (or
   * count 0) would only fail its lookup and hold one of the {@value #AHEAD_FROM_HOLDERS} transfers
   * meanwhile (measured: 137 of 155 P2P-window fetches of a quick eval, before). Empty counts (no
   * holder of the song yet, or the tracker did not answer) keep the whole window.
   */
  List<Manifest.Segment> withHolders(List<Manifest.Segment> window, Map<String, Integer> holders) {
    if (holders.isEmpty()) {
      return window;
    }
    List<Manifest.Segment> out = new ArrayList<>(window.size());
    for (Manifest.Segment s : window) {
      if (holders.getOrDefault(s.segmentId(), 0) > 0) {
        out.add(s);
      } else if (!cache.contains(s.segmentId())) {
        note(FetchLedger.Event.WINDOW_NO_HOLDERS);
      }
    }
    return out;
  }

  /**
   * True when the player asked for {@code at} at least {@value #BURST_GAP_MS} ms after the segment
   * before it (same rendition) was answered here: it plays steadily, its next request is a segment's
   * playing time away. A local hit alone does not say so: at the end of its start-up burst hls.js asks
   * for segment after segment while less than 30 s of media is buffered.
   */
  private boolean steady(Manifest manifest, Manifest.Segment at, long now) {
    return sinceAnswerBefore(manifest, at, now) >= BURST_GAP_MS;
  }

  /** Ms from this peer's last answer of the segment before {@code at} to {@code now}; -1 unknown (or P2P off). */
  private long sinceAnswerBefore(Manifest manifest, Manifest.Segment at, long now) {
    Manifest.Segment previous = previous(manifest, at);
    Long answeredAt = previous == null || availability == null ? null : answered.get(previous.segmentId());
    return answeredAt == null ? -1 : now - answeredAt;
  }

  /** The segment before {@code at} in its rendition; null for the first (or an unknown one). */
  private static Manifest.Segment previous(Manifest manifest, Manifest.Segment at) {
    Manifest.Rendition r = at == null || at.index() == 0 ? null : manifest.rendition(at.rendition());
    if (r == null) {
      return null;
    }
    List<Manifest.Segment> all = r.segments();
    int i = at.index() - 1;
    return i < all.size() && all.get(i).index() == i ? all.get(i)
        : all.stream().filter(s -> s.index() == i).findFirst().orElse(null);
  }

  /**
   * True when a player of this peer is switching the song to {@code rendition}: P2P on, and this
   * peer served a segment of the song in another rendition within {@value #SWITCH_RECENT_MS} ms.
   */
  public boolean switching(String songId, String rendition) {
    Playhead p = playheads.get(songId);
    return p != null && !p.rendition().equals(rendition) && System.currentTimeMillis() - p.atMs() < SWITCH_RECENT_MS;
  }

  /**
   * A player loads the media playlist of {@code rendition} while {@link #switching} to it (hls.js
   * does so before the first segment of the new rendition): the next {@value #SWITCH_WINDOW}
   * segments after the last one served are fetched at once, in parallel, through the HTTP window
   * (where they finish first), so the player's requests that follow back to back (it refills its
   * 30 s buffer in the new rendition) find them arrived or under way. Without it each was a miss
   * of its own (under the default model: an edge round trip and transfer, one after another).
   */
  public void switchedTo(Manifest manifest, String rendition) {
    Playhead p = playheads.get(manifest.songId());
    Manifest.Rendition r = manifest.rendition(rendition);
    if (p == null || r == null || !enabled()) {
      return;
    }
    start(r.segments().stream().filter(s -> s.index() > p.index() && s.index() <= p.index() + SWITCH_WINDOW).toList(),
        Mode.SWITCH);
  }

  /**
   * How many of {@code window}'s first segments are the HTTP window: at least one, then while their
   * media stays within {@value #HTTP_WINDOW_MS} ms (steady) or {@value #BURST_WINDOW_MS} ms (a miss in
   * a burst: a player starting or refilling its buffer waits). A local hit in a burst (its buffer is
   * nearly full) keeps one, holders first (its media is buffered: a warm start's player asks for the
   * segment after it with 30 s in its buffer), so what it asks for in steady play later is left to
   * holders. P2P off: one
   * (the whole window goes through the full pipeline anyway).
   */
  int httpWindow(List<Manifest.Segment> window, boolean steady, boolean hit) {
    if (availability == null || (hit && !steady)) {
      return Math.min(1, window.size());
    }
    long limit = steady ? HTTP_WINDOW_MS : BURST_WINDOW_MS;
    int n = 0;
    long media = 0;
    while (n < window.size() && (n == 0 || media + window.get(n).durationMs() <= limit)) {
      media += window.get(n++).durationMs();
    }
    return n;
  }

  /** The segments after {@code segmentId}: {@code READ_AHEAD} of them, more until {@code READ_AHEAD_MS} of media. */
  List<Manifest.Segment> window(Manifest manifest, String segmentId) {
    if (segments == 0) {
      return List.of();
    }
    List<Manifest.Segment> all = manifest.following(segmentId, MAX_WINDOW);
    return all.subList(0, Math.max(Math.min(segments, all.size()), toHold(all, aheadMediaMs)));
  }

  /** How many of {@code segments}, from the first, hold {@code mediaMs} ms of media (all, when they hold less). */
  static int toHold(List<Manifest.Segment> segments, long mediaMs) {
    int n = 0;
    long media = 0;
    while (n < segments.size() && media < mediaMs) {
      media += segments.get(n++).durationMs();
    }
    return n;
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

  private void note(FetchLedger.Event e) {
    FetchLedger l = fetcher.ledger();
    if (l != null) {
      l.count(e);
    }
  }

  /** How a read-ahead segment is fetched. */
  private enum Mode {
    /** Where it finishes first ({@link Fetches#fetch}): a player in a burst, a switch, P2P off. */
    URGENT,
    /** The full pipeline, holders first ({@link Fetches#fetchNext}): the HTTP window in steady play. */
    NEXT,
    /** A rendition switch's segments ({@link Fetches#fetchSwitch}). */
    SWITCH,
    /** Holders only ({@link Fetches#fetchAhead}): the P2P window. */
    PEERS
  }

  /** PEERS: holders only, at most {@value #AHEAD_FROM_HOLDERS} at once, not while a player waits. */
  private void start(List<Manifest.Segment> list, Mode mode) {
    boolean fromPeers = mode == Mode.PEERS;
    for (Manifest.Segment next : list) {
      if (fromPeers && fetcher.playersWaiting() > 0) {
        note(FetchLedger.Event.WINDOW_PLAYER_WAITING);
        return;
      }
      if (fetcher.inFlight() >= maxDownloads || (fromPeers && fetcher.aheadInFlight() >= AHEAD_FROM_HOLDERS)) {
        if (fromPeers) {
          note(FetchLedger.Event.WINDOW_FULL);
        }
        return;
      }
      if (!cache.contains(next.segmentId()) && !fetcher.isFetching(next.segmentId())) {
        Future<?> f = switch (mode) {
          case URGENT -> fetcher.fetch(next);
          case NEXT -> fetcher.fetchNext(next);
          case SWITCH -> fetcher.fetchSwitch(next);
          case PEERS -> fetcher.fetchAhead(next);
        };
        f.onFailure(e -> LOG.debug("{}: read-ahead of {} failed: {}", peerId,
            next.segmentId(), e.getMessage()));
      }
    }
  }
}
