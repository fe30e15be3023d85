package dev.hybridcdn.peer.player;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.cache.SegmentResponse;
import dev.hybridcdn.peer.events.PeerEvents;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.SegmentNames;
import dev.hybridcdn.peer.fetch.FetchLedger;
import dev.hybridcdn.peer.fetch.PeerManifests;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.fetch.SourceFailure;
import dev.hybridcdn.peer.metrics.PeerMeters;
import dev.hybridcdn.peer.readahead.ReadAhead;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.ByteRange;
import dev.hybridcdn.servicekit.http.WriteTimeout;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The player pipeline: {@code GET /segments/{segmentId}} from a player (no {@value
 * CdnHeaders#PEER_REQUEST}). The local cache first, then the {@link SegmentFetcher}
 * (peers, then edges; one fetch per segment however many players ask), then read-ahead of the
 * next segments. A segment the fetcher has not delivered within {@code PLAYER_HEDGE_MS} (a holder
 * on a thin uplink) is also asked of the edges, and the first verified copy answers; the peer fetch
 * goes on and caches. The answer says where the bytes came from:
 * <ul>
 *   <li>{@code X-CDN-Source: local|peer|edge|origin};</li>
 *   <li>{@code X-CDN-Peer} (the holder used, this peer's own id when local) or {@code X-CDN-Edge}
 *       (the edge used);</li>
 *   <li>{@code X-CDN-Hops}: 0 local, 1 a peer or an edge hit, 2 via the edge to the origin;</li>
 *   <li>{@code X-CDN-Attempts}: sources asked, including the one that answered.</li>
 * </ul>
 * Every answered request (2xx) emits one SegmentDelivered and counts in the player meters.
 * Errors: 404 {@code unknown_song} (an edge said so) / {@code unknown_segment} (the manifest proves
 * it), 503 {@code manifest_unavailable} + {@code Retry-After} (no edge answered the manifest), 503
 * {@code segment_unavailable} + {@code Retry-After} (no source answered: down, hung or busy), 502
 * {@code all_sources_failed} (an edge sent bytes that failed the SHA-256 check); the {@code details}
 * name every source tried and its outcome.
 */
public final class PlayerRoute {
  private static final Logger LOG = LoggerFactory.getLogger(PlayerRoute.class);

  private final String peerId;
  private final SegmentCache cache;
  private final PeerManifests manifests;
  private final SegmentFetcher fetcher;
  private final ReadAhead readAhead;
  private final PeerEvents events;
  private final PeerMeters meters;
  private final WriteTimeout writeTimeout;
  private final long hedgeMs;
  private final List<String> selfPath;
  private volatile Playing playing;
  private volatile java.util.function.IntSupplier uploads = () -> -1;

  /** Told of every segment answered to a player (signalling's announces, song distribution). */
  @FunctionalInterface
  public interface Playing {
    void played(Manifest manifest, Manifest.Segment segment, Tier tier);
  }

  /** @param hedgeMs {@code PLAYER_HEDGE_MS}, 0 = never hedge (P2P off: the fetch is the edge fetch already) */
  public PlayerRoute(String peerId, SegmentCache cache, PeerManifests manifests, SegmentFetcher fetcher,
      ReadAhead readAhead, PeerEvents events, PeerMeters meters, WriteTimeout writeTimeout, long hedgeMs) {
    this.writeTimeout = writeTimeout;
    this.hedgeMs = hedgeMs;
    this.peerId = peerId;
    this.selfPath = List.of(peerId);
    this.cache = cache;
    this.manifests = manifests;
    this.fetcher = fetcher;
    this.readAhead = readAhead;
    this.events = events;
    this.meters = meters;
  }

  /**
   * Where {@link CdnHeaders#ANSWER}'s {@code up=} comes from: this peer's uploads to other peers under
   * way (they share its uplink with its own requests to edges and holders).
   */
  public PlayerRoute countingUploads(java.util.function.IntSupplier active) {
    this.uploads = active;
    return this;
  }

  /** Tells {@code listener} of every segment answered to a player from now on; null: nobody. */
  public PlayerRoute onPlaying(Playing listener) {
    this.playing = listener;
    return this;
  }

  /**
   * {@link CdnHeaders#ANSWER} of a local hit: {@code local}, read-ahead's lead after the segment (-1
   * while the song's manifest is not at hand), this peer's fetches and uploads under way. Also for the
   * hot path ({@link LocalHitRoute}).
   */
  String localAnswer(String songId, String segmentId) {
    Future<Manifest> known = manifests.of(songId);
    long ahead = known.succeeded() ? Lead.aheadMs(known.result(), segmentId, cache::contains) : -1;
    return Lead.header(How.LOCAL, ahead, fetcher.inFlight(), uploads.getAsInt());
  }

  /**
   * Answers a player.
   *
   * @param startNs {@link System#nanoTime()} when the request arrived (SegmentDelivered.latencyUs)
   */
  public void serve(RoutingContext ctx, Ids.SegmentId id, long startNs) {
    String segmentId = id.toString();
    CachedSegment hit = cache.get(segmentId);
    if (hit != null) {
      ctx.response().putHeader(CdnHeaders.ANSWER, localAnswer(id.songId(), segmentId));
      answer(ctx, id, hit, Tier.LOCAL, peerId, 0, 1, List.of(), startNs);
      followLocalHit(id.songId(), segmentId);
      return;
    }
    int busy = fetcher.inFlight();
    int up = uploads.getAsInt();
    long[] ahead = {-1};
    manifests.of(id.songId()).recover(PlayerRoute::manifestUnavailable).compose(m -> {
      Manifest.Segment info = m.segment(segmentId);
      ahead[0] = Lead.aheadMs(m, segmentId, cache::contains);
      if (info == null && SegmentNames.hashPrefix(segmentId).isPresent()) {
        // A superseded version's segment (a player finishing the old playlist): the id names its hash.
        return manifests.superseded(segmentId).compose(old -> hedged(ctx.vertx(), old, 0));
      }
      if (info == null) {
        return Future.failedFuture(ApiError.notFound("unknown_segment", "song " + id.songId()
            + " has no segment " + segmentId));
      }
      long patienceMs = fetcher.flightPurpose(segmentId) == FetchLedger.Purpose.BURST
          ? readAhead.burstPatienceMs(m, segmentId) : readAhead.patienceMs(m, segmentId);
      Future<Answered> answered = hedged(ctx.vertx(), info, patienceMs);
      readAhead.missed(m, segmentId);
      return answered.onSuccess(a -> {
        readAhead.after(m, segmentId, false);
        Playing p = playing;
        if (p != null) {
          p.played(m, info, a.fetched().tier());
        }
      });
    }).onComplete(ar -> {
      if (ar.succeeded()) {
        SegmentFetcher.Fetched f = ar.result().fetched();
        ctx.response().putHeader(CdnHeaders.ANSWER, Lead.header(ar.result().how(), ahead[0], busy, up)
            + ar.result().waited());
        answer(ctx, id, f.segment(), f.tier(), f.sourceId(), f.hops(), f.attempts(), f.route(), startNs);
      } else {
        fail(ctx, id, ar.cause());
      }
    });
  }

  /**
   * What a local hit answered without the router ({@link LocalHitRoute}) shares with a routed one: the
   * meters, one SegmentDelivered ({@code local}, 0 hops, 1 attempt, path: this peer), and what follows
   * a hit ({@link #followLocalHit}).
   *
   * @param segmentId a held segment's id (valid: only parsed ids are cached)
   * @param bytes body bytes sent
   * @param startNs {@link System#nanoTime()} when the request arrived
   */
  void afterLocalHit(String segmentId, long bytes, long startNs) {
    long latencyNs = System.nanoTime() - startNs;
    int slash = segmentId.indexOf('/');
    String songId = segmentId.substring(0, slash);
    String rendition = segmentId.substring(slash + 1, segmentId.indexOf('/', slash + 1));
    meters.delivered(Tier.LOCAL, bytes, latencyNs);
    events.delivered(requestId(), segmentId, songId, rendition, Tier.LOCAL, peerId, bytes, latencyNs / 1000, 0, 1,
        selfPath);
    followLocalHit(songId, segmentId);
  }

  /** After a local hit: song distribution told, read-ahead of the next segments. */
  private void followLocalHit(String songId, String segmentId) {
    Playing p = playing;
    if (p != null) {
      manifests.of(songId).onSuccess(m -> {
        Manifest.Segment info = m.segment(segmentId);
        if (info != null) {
          p.played(m, info, Tier.LOCAL);
        }
      });
    }
    if (readAhead.enabled()) {
      manifests.of(songId).onSuccess(m -> readAhead.after(m, segmentId, true));
    }
  }

  /**
   * The segment for a waiting player, from where it finishes first, hedged. Not under way yet, it
   * goes where {@link SegmentFetcher#fetchUrgent} expects it soonest (the edges at once when a
   * holder would outlast the hedge). A flight under way (read-ahead), or a peer fetch, not complete
   * within {@code hedgeMs} (at once when the read-ahead is expected to end after an edge fetch
   * started now, {@link SegmentFetcher#hedgeDelayMs}) is raced by the edges
   * ({@link SegmentFetcher#fetchFromEdges}) unless it is asking the edges itself by then (its holders
   * did not deliver); the first verified copy wins and is cached, and a losing
   * read-ahead from holders is cancelled ({@link SegmentFetcher#cancelAhead}; a player's own peer
   * fetch goes on and caches). One side failing waits for the other; both failing fail with the
   * flight's cause (it names every source it tried). A player in steady play, with media buffered,
   * waits for holders up to {@code patienceMs} before the edges are asked (a holder expected within
   * it is asked first; a read-ahead it joins, overdue or not, is raced no sooner): its segment from
   * the swarm costs it latency it can afford, and the edges' bytes a start-up cannot spare. A player in
   * its start-up burst joining a burst's read-ahead from holders likewise ({@link ReadAhead#burstPatienceMs}).
   *
   * @param patienceMs how long the player can wait, ms ({@link ReadAhead#patienceMs}, or
   *     {@link ReadAhead#burstPatienceMs} for a burst's read-ahead joined; 0: not known)
   */
  private Future<Answered> hedged(Vertx vertx, Manifest.Segment info, long patienceMs) {
    boolean joined = fetcher.isFetching(info.segmentId());
    FetchLedger.Purpose joinedOf = fetcher.flightPurpose(info.segmentId());
    Future<SegmentFetcher.Fetched> flight = fetcher.fetchUrgent(info, FetchLedger.Purpose.PLAYER, patienceMs);
    How own = joined ? How.JOINED : fetcher.isEdgeFlight(info.segmentId()) ? How.EDGE_FIRST : How.FETCH;
    FetchLedger.Purpose of = joined ? joinedOf : FetchLedger.Purpose.PLAYER;
    if (hedgeMs <= 0 || flight.isComplete() || fetcher.isEdgeFlight(info.segmentId())) {
      return fetcher.playerWaiting(flight).map(f -> new Answered(f, own, waited(of, -1)));
    }
    Hedge race = new Hedge();
    long delayMs = Math.max(Math.max(1, patienceMs), joined ? fetcher.hedgeDelayMs(info, hedgeMs) : hedgeMs);
    Runnable edges = () -> fetcher.fetchFromEdges(info).onComplete(ar -> {
      if (ar.succeeded() && race.win()) {
        // Counted and cached before the player is answered: its next request finds the segment local.
        meters.hedgeWon();
        cache.put(ar.result().segment());
        How how = race.edgeHow();
        race.answer.tryComplete(new Answered(ar.result(), how, waited(of, how == How.HEDGE ? delayMs : -1)));
        fetcher.cancelAhead(info.segmentId()); // the loser: a read-ahead from holders nobody needs now
      } else if (ar.failed()) {
        race.failed(null, ar.cause());
      }
    });
    long timer = vertx.setTimer(delayMs, t -> {
      // a flight gone to the edges meanwhile (its holders did not deliver) would be asked of them twice
      if (!fetcher.isEdgeFlight(info.segmentId()) && race.start()) {
        meters.hedged();
        edges.run();
      }
    });
    flight.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        race.flightDone();
        if (race.win()) {
          race.answer.tryComplete(new Answered(ar.result(), own, waited(of, -1)));
        }
      } else {
        // A joined read-ahead asks holders only: its failure leaves the edges to try, at once.
        if (joined && race.fallback()) {
          edges.run();
        }
        race.failed(ar.cause(), null);
      }
    });
    return fetcher.playerWaiting(race.answer.future());
  }

  /**
   * A player's segment and how it was got ({@link CdnHeaders#ANSWER}).
   *
   * @param waited the header's tail naming the fetch the player waited on ({@link #waited})
   */
  record Answered(SegmentFetcher.Fetched fetched, How how, String waited) {}

  /**
   * {@link CdnHeaders#ANSWER}'s tail for a miss: {@code ; of=<purpose>} (what the fetch the player
   * waited on was for: {@code player} its own, else the read-ahead it joined) and, when the edges
   * were raced, {@code ; hedged-after=<ms>} (the wait before they were asked).
   */
  private static String waited(FetchLedger.Purpose of, long hedgedAfterMs) {
    String tail = of == null ? "" : "; of=" + of.name().toLowerCase(Locale.ROOT).replace('_', '-');
    return hedgedAfterMs < 0 ? tail : tail + "; hedged-after=" + hedgedAfterMs;
  }

  /**
   * The state of one hedged request. Callbacks of the flight, the timer and the edge fetch may run
   * on different event loops (the host's client pool), hence the lock.
   */
  private static final class Hedge {
    final Promise<Answered> answer = Promise.promise();
    private int running = 1;
    private boolean flightDone;
    private boolean edgesStarted;
    private boolean fellBack;
    private boolean won;
    private Throwable flightCause;
    private Throwable edgeCause;

    /** True when the hedge should start: the flight is still running. */
    synchronized boolean start() {
      if (flightDone || edgesStarted) {
        return false;
      }
      edgesStarted = true;
      running++;
      return true;
    }

    /** True when the edges should be asked because the flight failed before the hedge started. */
    synchronized boolean fallback() {
      if (edgesStarted) {
        return false;
      }
      edgesStarted = true;
      fellBack = true;
      running++;
      return true;
    }

    /** How the edges' copy came to be asked for: raced after the wait, or after the joined flight failed. */
    synchronized How edgeHow() {
      return fellBack ? How.FALLBACK : How.HEDGE;
    }

    synchronized void flightDone() {
      flightDone = true;
    }

    /** True for the first side with a verified copy, which then answers the player; false for the other. */
    synchronized boolean win() {
      if (won) {
        return false;
      }
      won = true;
      return true;
    }

    void failed(Throwable ofFlight, Throwable ofEdges) {
      Throwable cause;
      synchronized (this) {
        if (ofFlight != null) {
          flightDone = true;
          flightCause = ofFlight;
        } else {
          edgeCause = ofEdges;
        }
        if (--running > 0) {
          return;
        }
        cause = flightCause == null ? edgeCause : edgeCause == null ? flightCause : both(flightCause, edgeCause);
      }
      answer.tryFail(cause);
    }

    /** Both sides failed: every source either tried, so the player's error names them all. */
    private static Throwable both(Throwable ofFlight, Throwable ofEdges) {
      if (ofFlight instanceof SourceFailure f && ofEdges instanceof SourceFailure e) {
        List<String> tried = new ArrayList<>(f.tried());
        tried.addAll(e.tried());
        return new SourceFailure(e.getMessage(), tried, e.notFound(), f.wrongBytes() || e.wrongBytes());
      }
      return ofFlight;
    }
  }

  /**
   * A player loads a media playlist: when it is switching the song's rendition, the next segments of
   * the new one are fetched at once ({@link ReadAhead#switchedTo}). Invalid or unknown ids do
   * nothing (the playlist route answers them).
   */
  public void mediaPlaylist(String songId, String rendition) {
    if (songId != null && rendition != null && readAhead.switching(songId, rendition)) {
      manifests.of(songId).onSuccess(m -> readAhead.switchedTo(m, rendition));
    }
  }

  /**
   * No edge answered the manifest (down, hung, 5xx): the song may well exist, so this is a 503
   * ({@code Retry-After} from the router's error rule), never a 404; only an edge's 404 says the
   * song does not exist.
   */
  private static Future<Manifest> manifestUnavailable(Throwable cause) {
    if (cause instanceof SourceFailure f && !f.notFound()) {
      return Future.failedFuture(new ApiError(503, "manifest_unavailable",
          "no edge answered the song's manifest; try again later", f.tried()));
    }
    return Future.failedFuture(cause);
  }

  private void fail(RoutingContext ctx, Ids.SegmentId id, Throwable cause) {
    if (cause instanceof ApiError e) {
      e.send(ctx);
    } else if (cause instanceof SourceFailure f && f.notFound()) {
      new ApiError(404, "unknown_song", "no song " + id.songId(), f.tried()).send(ctx);
    } else if (cause instanceof SourceFailure f && f.wrongBytes()) {
      LOG.warn("{}: every source of {} failed, one with wrong bytes: {}", peerId, id, f.tried());
      new ApiError(502, "all_sources_failed", f.getMessage(), f.tried()).send(ctx);
    } else if (cause instanceof SourceFailure f) {
      // Down, hung or busy sources: the segment exists (it is in the manifest); come back later.
      LOG.warn("{}: no source of {} answered: {}", peerId, id, f.tried());
      new ApiError(503, "segment_unavailable", f.getMessage(), f.tried()).send(ctx);
    } else {
      LOG.error("{}: fetching {} failed", peerId, id, cause);
      new ApiError(500, "internal_error", "internal error: " + cause.getClass().getSimpleName()).send(ctx);
    }
  }

  private void answer(RoutingContext ctx, Ids.SegmentId id, CachedSegment seg, Tier tier, String sourceId,
      int hops, int attempts, List<String> route, long startNs) {
    List<String> path = new ArrayList<>(route.size() + 1);
    path.add(peerId);
    path.addAll(route);
    HttpServerResponse resp = ctx.response().putHeader(CdnHeaders.SOURCE, tier.name().toLowerCase(Locale.ROOT))
        .putHeader(CdnHeaders.HOPS, String.valueOf(hops)).putHeader(CdnHeaders.ATTEMPTS, String.valueOf(attempts))
        .putHeader(CdnHeaders.PATH, String.join(",", path));
    resp.putHeader(tier == Tier.LOCAL || tier == Tier.PEER ? CdnHeaders.PEER : CdnHeaders.EDGE, sourceId);
    ByteRange.Parsed range = SegmentResponse.range(ctx, seg);
    SegmentResponse.send(ctx, seg, range, writeTimeout);
    long sent = SegmentResponse.length(range, seg);
    if (sent >= 0) {
      long latencyNs = System.nanoTime() - startNs;
      meters.delivered(tier, sent, latencyNs);
      events.delivered(requestId(), id.toString(), id.songId(), id.rendition(), tier, sourceId,
          sent, latencyNs / 1000, hops, attempts, path);
    }
  }

  /**
   * A random (version 4) UUID for SegmentDelivered.requestId, from {@link ThreadLocalRandom}:
   * {@link UUID#randomUUID()} draws on a shared SecureRandom, a needless cost per player request
   * for an id that only has to be unique, not unguessable.
   */
  private static String requestId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }
}
