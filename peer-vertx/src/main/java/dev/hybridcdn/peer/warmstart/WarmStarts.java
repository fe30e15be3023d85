package dev.hybridcdn.peer.warmstart;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.TrackerClient.PopularSong;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the start of the swarm's popular songs ready before a player asks (issue 13: a song's start-up
 * came from the edges, a tenth of every session's bytes). Every {@code WARM_START_MS} the tracker names
 * the {@code WARM_START_SONGS} songs with the most holdings ({@code GET /songs/popular}); of each, the song's
 * playlists are got ready (kept with its manifest) and the first {@code WARM_START_SEGMENTS} segments of its
 * rendition with the most holdings that this peer lacks are fetched from holders only, never the edges (a
 * segment no peer holds waits for a later round), one at a time, first segments of every song first, only
 * while fewer than {@code MAX_DOWNLOADS} fetches run and no player of this peer waits, so players' fetches go
 * first (a round held up by them tries again {@value #RETRY_MS} ms later, not a period later). A player
 * starting such a song then gets its playlists and first segments from its own peer, and read-ahead has
 * their playing time to find holders for the next ones (the steady play's P2P window, not the start-up's
 * race to the edges). The kept segments are ordinary cache entries: served to other peers, evicted as any
 * other. Seed 000 2.3.6 pushes a song's segments along a path as it starts; this is the pull-side
 * counterpart, as P2P CDNs prefetch the start of popular content.
 *
 * <p>Thread-safe: the timer and the fetches' completions may run on different event loops (one monitor).
 */
public final class WarmStarts {
  private static final Logger LOG = LoggerFactory.getLogger(WarmStarts.class);
  /**
   * How soon a round held up by a waiting player or full downloads tries again, ms: about one edge answer
   * under the default model, so the start is fetched soon after the player's segment arrived, not a period
   * later.
   */
  static final long RETRY_MS = 250;

  /** Where popular songs come from: the tracker ({@code TrackerClient.popular}); never fails. */
  @FunctionalInterface
  public interface Popular {
    Future<List<PopularSong>> songs(int limit);
  }

  private final String peerId;
  private final WarmStartConfig config;
  private final SegmentCache cache;
  private final Function<String, Future<Manifest>> manifests;
  private final Popular popular;
  private final BiConsumer<String, String> playlists;
  private final Function<Manifest.Segment, Future<?>> fromHolders;
  private final Predicate<String> fetching;
  private final BooleanSupplier mayStart;
  private final Deque<Manifest.Segment> queue = new ArrayDeque<>();
  private Vertx vertx;
  private long timer = -1;
  private boolean round;
  /** The retry timer of a held-up round, or -1; its generation tells a stale firing apart. */
  private long retry = -1;
  private long retryGeneration;
  private boolean stopped;
  private volatile long fetched;
  private volatile long failed;
  private volatile long rounds;

  /**
   * @param manifests song id -> its manifest (the peer's manifest store)
   * @param playlists gets the song's master playlist and a rendition's media playlist ready (song id,
   *     rendition), so the player's playlists cost no edge round trip either
   * @param fromHolders fetches, verifies and caches a segment from holders only (the P2P window's fetch)
   * @param fetching whether a fetch of the segment id is under way
   * @param mayStart whether a segment may start now: fewer than {@code MAX_DOWNLOADS} fetches run and no
   *     player of this peer waits
   */
  public WarmStarts(String peerId, WarmStartConfig config, SegmentCache cache,
      Function<String, Future<Manifest>> manifests, Popular popular, BiConsumer<String, String> playlists,
      Function<Manifest.Segment, Future<?>> fromHolders,
      Predicate<String> fetching, BooleanSupplier mayStart) {
    this.peerId = peerId;
    this.config = config;
    this.cache = cache;
    this.manifests = manifests;
    this.popular = popular;
    this.playlists = playlists;
    this.fromHolders = fromHolders;
    this.fetching = fetching;
    this.mayStart = mayStart;
  }

  /** Asks the tracker now and every period after. */
  public synchronized void start(Vertx vertx) {
    this.vertx = vertx;
    timer = vertx.setPeriodic(1, config.period().toMillis(), id -> round());
  }

  /** Cancels the timer; a fetch under way finishes, nothing after it starts. */
  public synchronized void stop() {
    stopped = true;
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
    }
    queue.clear();
  }

  /** {@code /status}: rounds, segments fetched and failed. */
  public JsonObject status() {
    return new JsonObject().put("rounds", rounds).put("fetched", fetched).put("failed", failed);
  }

  /** One round: the popular songs' missing starts queued, then fetched one after the other. */
  private synchronized void round() {
    if (stopped || (round && retry < 0)) {
      return; // the last round is asking the tracker or fetching a segment
    }
    if (retry >= 0) {
      vertx.cancelTimer(retry); // held up since: start again from the tracker's newer view
      retry = -1;
      retryGeneration++;
    }
    queue.clear();
    round = true;
    rounds++;
    popular.songs(config.songs()).compose(this::queueStarts).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("{}: warm starts not looked up: {}", peerId, ar.cause().toString());
      }
      next();
    });
  }

  /**
   * Queues the start segments this peer lacks: every song's first segment (in the tracker's order), then
   * every song's second, and so on, so a player starting any popular song soon finds its first segment.
   */
  private Future<Void> queueStarts(List<PopularSong> songs) {
    List<List<Manifest.Segment>> starts = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (PopularSong song : songs) {
      chain = chain.compose(v -> manifests.apply(song.songId()).transform(ar -> {
        if (ar.succeeded()) {
          starts.add(start(ar.result(), song.renditions()));
        }
        return Future.<Void>succeededFuture();
      }));
    }
    return chain.onSuccess(v -> queueByIndex(starts));
  }

  private synchronized void queueByIndex(List<List<Manifest.Segment>> starts) {
    for (int i = 0; i < config.segments(); i++) {
      for (List<Manifest.Segment> start : starts) {
        if (i < start.size()) {
          queue.addLast(start.get(i));
        }
      }
    }
  }

  /**
   * The first segments of the song's most held rendition this peer lacks (its playlists got ready). A shared
   * file's pieces ({@link Manifest#FILE_CODEC}) are left out: no player waits on its start, and each is 4 MiB.
   */
  private List<Manifest.Segment> start(Manifest manifest, Map<String, Integer> holdings) {
    Manifest.Rendition best = null;
    int most = 0;
    for (Manifest.Rendition r : manifest.renditions()) {
      int held = holdings.getOrDefault(r.name(), 0);
      if (held > most && !Manifest.FILE_CODEC.equals(r.codec())) {
        best = r;
        most = held;
      }
    }
    if (best == null) {
      return List.of();
    }
    playlists.accept(manifest.songId(), best.name());
    return best.segments().subList(0, Math.min(config.segments(), best.segments().size())).stream()
        .filter(s -> !cache.contains(s.segmentId()) && !fetching.test(s.segmentId())).toList();
  }

  /** The next queued segment, while a download is free; the round ends when none is left or none is free. */
  private synchronized void next() {
    retry = -1;
    Manifest.Segment s = queue.peekFirst();
    while (s != null && (cache.contains(s.segmentId()) || fetching.test(s.segmentId()))) {
      queue.pollFirst();
      s = queue.peekFirst();
    }
    if (s == null || stopped) {
      queue.clear();
      round = false;
      return;
    }
    if (!mayStart.getAsBoolean()) {
      long generation = ++retryGeneration;
      retry = vertx.setTimer(RETRY_MS, t -> retried(generation));
      return;
    }
    queue.pollFirst();
    fromHolders.apply(s).onComplete(ar -> finished(ar.succeeded()));
  }

  /** A held-up round's retry timer fired; a round started since (a newer generation) goes on alone. */
  private synchronized void retried(long generation) {
    if (generation == retryGeneration && retry >= 0) {
      next();
    }
  }

  private synchronized void finished(boolean ok) {
    if (ok) {
      fetched++;
    } else {
      failed++;
    }
    next();
  }
}
