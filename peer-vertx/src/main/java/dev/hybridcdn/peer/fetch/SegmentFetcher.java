package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.cache.SegmentCache;
import dev.hybridcdn.peer.fetch.multisource.ChunkedDownload;
import dev.hybridcdn.peer.fetch.multisource.SourceRates;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.peer.route.PathRouter;
import dev.hybridcdn.peer.upload.UploadPriority;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.HolderFault;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.vertx.SingleFlight;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fetch pipeline for a segment missing from the cache (ARCHITECTURE.md, "Request flow at a
 * peer"):
 * <ol>
 *   <li>tracker lookup (skipped when P2P is off), claiming the segment when no peer holds it (this peer
 *       will fetch it from an edge); read-ahead's next segment in steady play that another peer is fetching
 *       from an edge waits for that copy instead ({@link #CLAIM_WAIT_MS});</li>
 *   <li>each holder in the tracker's order, skipping penalised or demoted ones ({@link Penalties}),
 *       with a per-attempt timeout ({@code PEER_TIMEOUT_MS}); a timeout, 404, 503, any other status,
 *       a body over the manifest's size (read no further) or bytes whose SHA-256 differs from the
 *       manifest move on to the next; wrong or oversized bytes penalise the holder for
 *       {@code PENALTY_MS} and are logged and counted, a timeout, refused connection or 5xx demotes
 *       it for a back-off; read-ahead's next segment in steady play whose holders answered 503 waits until
 *       the first of them accepts again and asks once more ({@link #BUSY_WAIT_MS});</li>
 *   <li>the tracker and peers together never take longer than {@code P2P_BUDGET_MS}: past it the
 *       edge is asked;</li>
 *   <li>edges by lowest smoothed RTT, edges known to be down last ({@link LinkTable#edgesByRtt()},
 *       {@code EDGE_TIMEOUT_MS} each); a timeout, refused connection, 5xx or bad body marks the edge
 *       down; an edge's {@code X-Cache: MISS} makes the tier ORIGIN (2 hops);</li>
 *   <li>the verified bytes go into the cache (SegmentCached).</li>
 * </ol>
 * Concurrent calls for one segment share one fetch ({@link SingleFlight}).
 */
public final class SegmentFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentFetcher.class);
  /** Smallest body cap, bytes: room for an error envelope whatever the segment's size. */
  static final long MIN_BODY_CAP = 4096;
  /** Fewest chunks a segment needs to be fetched from several holders. */
  static final int MIN_CHUNKS = 2;
  /** Shortest expected single-holder transfer, ms, worth splitting into chunk requests. */
  static final long MIN_CHUNKED_MS = 50;
  /**
   * Thinnest holder uplink a read-ahead from holders waits for, bit/s: the low end of residential
   * uplinks (issue 13's model: 2-20 Mbit/s). At {@code PEER_TIMEOUT_MS} (500 ms) a 240 KB segment
   * from a holder under about 4 Mbit/s always timed out, and the holder was reported to the tracker.
   */
  static final long THIN_UPLINK_BITS_PER_SECOND = 2_000_000;
  /**
   * Longest wait, ms, of read-ahead's next segment in steady play for a copy another peer is fetching from an
   * edge (the tracker's {@code being_fetched}): in steady play the player asks for it about a segment's
   * playing time later (10 s at 1x, 2.5 s at the eval's 4x); an edge fetch and its announce take a few hundred
   * ms. A player asking meanwhile goes to the edges at once ({@link #hedgeDelayMs}: the fetch is overdue).
   */
  static final long CLAIM_WAIT_MS = 1_500;
  /** How often such a wait asks the tracker again, ms. */
  static final long CLAIM_POLL_MS = 150;
  /**
   * Longest wait, ms from the fetch's start, of read-ahead's next segment in steady play for holders that
   * answered 503 to accept again (their {@code Retry-After}, at least 1 s): the player asks for it about two
   * segments' playing time later (20 s at 1x, 5 s at the eval's 4x), and the edges after the wait still
   * come well before.
   */
  static final long BUSY_WAIT_MS = 2_500;

  /**
   * A fetched and verified segment.
   *
   * @param sourceId the holder's peer id or the edge's id
   * @param hops 1 from a peer or an edge hit, 2 when the edge went to the origin
   * @param attempts sources tried, including the one that answered
   * @param route the nodes the bytes travelled after this peer, the source last: {@code [holder]},
   *     {@code [relay, holder]} (issue 15), {@code [edge]}, {@code [edge, "origin"]}
   */
  public record Fetched(CachedSegment segment, Tier tier, String sourceId, int hops, int attempts, List<String> route) {
    public Fetched {
      route = List.copyOf(route);
    }

    /** A fetch straight from its source: one hop, or two through the edge to the origin. */
    public Fetched(CachedSegment segment, Tier tier, String sourceId, int hops, int attempts) {
      this(segment, tier, sourceId, hops, attempts, tier == Tier.ORIGIN ? List.of(sourceId, ORIGIN_NODE)
          : List.of(sourceId));
    }
  }

  /** The origin's name on a path ({@code X-CDN-Path}, SegmentDelivered.path). */
  public static final String ORIGIN_NODE = "origin";

  /** Told of holders that failed this peer: wrong bytes (the peer counts and reports them), timeouts and refusals. */
  public interface IntegrityListener {
    void wrongBytes(String holderId, String segmentId, String expectedSha, String gotSha);

    /**
     * A holder's direct request timed out ({@link HolderFault#TIMEOUT}) or its connection was refused or
     * reset ({@link HolderFault#REFUSED}); called once per back-off window of that holder, so a dead holder
     * costs one report, not one per segment (issue 16: the tracker demotes holders several peers report).
     */
    default void holderFailed(String holderId, String segmentId, HolderFault fault) {}
  }

  private final PeerConfig config;
  private final UpstreamTokens upstream;
  private final HttpClient http;
  private final TrackerClient tracker;
  private final LinkTable links;
  private final Penalties penalties;
  private final SegmentCache cache;
  private final IntegrityListener integrity;
  private final PeerUploadsToUs reciprocity;
  private final Vertx vertx;
  private final SourceRates rates = new SourceRates();
  /** Peak per edge: its hits share this peer's downlink with read-ahead, which a waiting player's fetch does not. */
  private final SourceRates edgeRates = new SourceRates(true);
  private final FinishTimes finish;
  /** Expected end (epoch ms) of each read-ahead fetch from peers under way: does a waiting player hedge at once? */
  private final Map<String, Long> aheadEnds = new ConcurrentHashMap<>();
  private final AtomicInteger playersWaiting = new AtomicInteger();
  private final Set<String> edgeFlights = ConcurrentHashMap.newKeySet();
  /** What each flight under way is for (a joining player's {@code X-CDN-Answer} says what it waited on). */
  private final Map<String, FetchLedger.Purpose> flightPurposes = new ConcurrentHashMap<>();
  private final Map<String, Trail> aheadTrails = new ConcurrentHashMap<>();
  /** What a hedge takes over: holders' transfers and chunked downloads under way. */
  private final EdgeResume resume;
  private final AtomicLong multiSource = new AtomicLong();
  private final SingleFlight<String, Fetched> flights = new SingleFlight<>();
  private final AtomicLong downloadedBytes = new AtomicLong();
  private final FetchLedger ledger = new FetchLedger();
  private volatile PathRouter router;

  /** Told how many bytes a holder uploaded to us (tit-for-tat ranking of upload slots). */
  public interface PeerUploadsToUs {
    void received(String peerId, long bytes);
  }

  /**
   * @param vertx timers of multi-source downloads (the edge joins at the deadline)
   * @param http the client of segment GETs (the host's pool; bodies read under a cap)
   */
  public SegmentFetcher(PeerConfig config, Vertx vertx, HttpClient http, TrackerClient tracker, LinkTable links,
      Penalties penalties, SegmentCache cache, IntegrityListener integrity, PeerUploadsToUs reciprocity,
      UpstreamTokens upstream) {
    this.upstream = upstream;
    this.config = config;
    this.vertx = vertx;
    this.http = http;
    this.tracker = tracker;
    this.links = links;
    this.penalties = penalties;
    this.cache = cache;
    this.integrity = integrity;
    this.reciprocity = reciprocity;
    this.finish = new FinishTimes(links, rates, edgeRates);
    this.resume = new EdgeResume(http, upstream, config.peerId(), config.edgeTimeout().toMillis(), links,
        this::wholeFromEdges, ledger, edgeRates, downloadedBytes, reciprocity);
  }

  /**
   * Path-aware holder choice and relays (issue 15): holders ranked by the topology's RTT-shortest
   * path, and a holder that cannot be reached directly asked through relays. Unset, the tracker's order.
   */
  public void routeBy(PathRouter pathRouter) {
    this.router = pathRouter;
  }

  /**
   * Fetches, verifies and caches one segment; joins a fetch already under way for it.
   *
   * @return fails with {@link SourceFailure} naming every source tried
   */
  public Future<Fetched> fetch(Manifest.Segment info) {
    return fetch(info, FetchLedger.Purpose.HTTP_WINDOW);
  }

  /**
   * {@link #fetch(Manifest.Segment)} on behalf of {@code purpose}, as counted in {@link #ledger}.
   * {@link FetchLedger.Purpose#NEXT} (read-ahead's next segment in steady play) is, while it asks
   * holders, a read-ahead from holders to a player joining it ({@link #hedgeDelayMs}: an overdue or
   * slow one is raced by the edges at once) and to {@link #cancelAhead} (the loser is reset, and
   * fails rather than going on to the edges); it is one of {@link #aheadInFlight}, so the P2P window
   * adds no more transfers from holders than before it took this peer's downlink.
   */
  public Future<Fetched> fetch(Manifest.Segment info, FetchLedger.Purpose purpose) {
    String id = info.segmentId();
    // Cached before the flight ends, so a request arriving meanwhile finds the flight or the cache.
    return flight(id, purpose, () -> {
      Trail tried = new Trail();
      boolean next = purpose == FetchLedger.Purpose.NEXT && config.p2pEnabled();
      if (next) {
        aheadEnds.put(id, System.currentTimeMillis() + (long) finish.holderMs(info.bytes()));
        aheadTrails.put(id, tried);
      }
      return run(info, tried, next).onSuccess(f -> {
        cache.put(f.segment());
        ledger.fetched(purpose, f.tier(), f.segment().size());
      }).onComplete(ar -> {
        if (next) {
          aheadEnds.remove(id);
          aheadTrails.remove(id);
        }
      });
    });
  }

  /** What this peer's fetches were for and where they came from ({@link FetchLedger}). */
  public FetchLedger ledger() {
    return ledger;
  }

  /**
   * Fetches and verifies one segment from the edges (not cached): the urgent hedge of a player
   * request whose {@link #fetch} is slow (a holder on a thin uplink). When a holder's 200 or a
   * chunked download under way has the segment's first bytes in, the hedge takes it over: that fetch
   * is stopped (it then fails as cancelled, no holder blamed) and the best edge is asked for the rest
   * only ({@link EdgeResume}); otherwise, or when that fails, the whole segment comes from the edges
   * by RTT (as the last step of {@link #fetch}). Concurrent calls share one fetch, under a key of
   * its own so it never joins the peer fetch.
   *
   * @return fails with {@link SourceFailure} naming every edge tried
   */
  public Future<Fetched> fetchFromEdges(Manifest.Segment info) {
    return flights.run("edges:" + info.segmentId(), () -> resume.hedge(info));
  }

  /** The whole segment from the edges by RTT, for a hedge with nothing to resume. */
  private Future<Fetched> wholeFromEdges(Manifest.Segment info) {
    return tryEdges(info, links.edgesByRtt(), 0, new Trail())
        .onSuccess(f -> ledger.fetched(FetchLedger.Purpose.HEDGE, f.tier(), f.segment().size()));
  }

  /**
   * A player's miss (or the segment right after its playhead), sent where it is expected to finish
   * first ({@link FinishTimes#edgeFirst}): the edges at once (cached, one flight with any later
   * fetch of the segment) when the edge is expected sooner than a holder that is not fast, or, before
   * either was measured, when the segment starts the player's buffer (a song's first segment, read-ahead's
   * HTTP window after a miss in a burst); else the full pipeline ({@link #fetch}). A fetch already under way is
   * joined. With P2P off, or the hedge off, this is {@link #fetch}.
   *
   * @return fails with {@link SourceFailure} naming every source tried
   */
  public Future<Fetched> fetchUrgent(Manifest.Segment info) {
    return fetchUrgent(info, FetchLedger.Purpose.PLAYER, 0);
  }

  /**
   * {@link #fetchUrgent(Manifest.Segment)} on behalf of {@code purpose} (a player's miss, or
   * read-ahead's HTTP window), as counted in {@link #ledger}.
   *
   * @param patienceMs how long the waiting player can wait, ms (0: not known; ReadAhead#patienceMs):
   *     a holder expected within it is asked first ({@link FinishTimes#edgeFirst})
   */
  public Future<Fetched> fetchUrgent(Manifest.Segment info, FetchLedger.Purpose purpose, long patienceMs) {
    boolean startUp = purpose == FetchLedger.Purpose.HTTP_WINDOW
        || purpose == FetchLedger.Purpose.PLAYER && info.index() == 0;
    if (!config.p2pEnabled() || isFetching(info.segmentId())
        || !finish.edgeFirst(info.bytes(), config.playerHedge().toMillis(), startUp, patienceMs)) {
      return fetch(info, purpose);
    }
    return flight(info.segmentId(), purpose, () -> {
      edgeFlights.add(info.segmentId());
      return tryEdges(info, links.edgesByRtt(), 0, new Trail()).onSuccess(f -> {
        cache.put(f.segment());
        ledger.fetched(purpose, f.tier(), f.segment().size());
      }).onComplete(ar -> edgeFlights.remove(info.segmentId()));
    });
  }

  /**
   * What the fetch under way for the segment is for ({@link FetchLedger.Purpose}), or null when none
   * is under way.
   */
  public FetchLedger.Purpose flightPurpose(String segmentId) {
    return flightPurposes.get(segmentId);
  }

  /**
   * The one flight of a segment, or the one under way joined; {@link #flightPurpose} says it is for
   * {@code purpose} while it runs.
   */
  private Future<Fetched> flight(String segmentId, FetchLedger.Purpose purpose, Supplier<Future<Fetched>> work) {
    return flights.run(segmentId, () -> {
      flightPurposes.put(segmentId, purpose);
      return work.get().onComplete(ar -> flightPurposes.remove(segmentId));
    });
  }

  /**
   * True while the fetch under way for the segment asks the edges: one {@link #fetchUrgent} sent
   * there, or one whose holders did not deliver (no hedge needed: it would ask the same edges again).
   */
  public boolean isEdgeFlight(String segmentId) {
    return edgeFlights.contains(segmentId);
  }

  /**
   * Read-ahead further from the playhead (the P2P window): from holders only (one or several,
   * as {@link #fetch}), never the edges, so the swarm's uplinks, not the CDN, fill the window; a
   * segment no holder has yet stays missing until a later read-ahead finds one or it nears the
   * playhead ({@link #fetchUrgent}). With P2P off this is {@link #fetch}.
   *
   * @return fails with {@link SourceFailure} when no holder delivered
   */
  public Future<Fetched> fetchAhead(Manifest.Segment info) {
    return fetchAhead(info, FetchLedger.Purpose.P2P_WINDOW);
  }

  /**
   * {@link #fetchAhead(Manifest.Segment)} on behalf of {@code purpose} ({@link FetchLedger.Purpose#P2P_WINDOW},
   * {@link FetchLedger.Purpose#BURST} or {@link FetchLedger.Purpose#WARM}), as counted in {@link #ledger}.
   */
  public Future<Fetched> fetchAhead(Manifest.Segment info, FetchLedger.Purpose purpose) {
    if (!config.p2pEnabled()) {
      return fetch(info);
    }
    return flight(info.segmentId(), purpose, () -> {
      long now = System.currentTimeMillis();
      aheadEnds.put(info.segmentId(), now + (long) finish.holderMs(info.bytes()));
      Trail tried = new Trail();
      tried.holderBoundMs = patientHolderMs(info);
      tried.priority = purpose == FetchLedger.Purpose.BURST ? UploadPriority.URGENT : UploadPriority.BACKGROUND;
      aheadTrails.put(info.segmentId(), tried);
      long budget = Math.max(config.p2pBudget().toMillis(), 2 * tried.holderBoundMs);
      return fromPeers(info, now + budget, tried, false)
          .compose(got -> {
            if (got != null) {
              return Future.succeededFuture(got);
            }
            ledger.count(tried.cancelled() ? FetchLedger.Event.AHEAD_CANCELLED
                : tried.noHolders ? FetchLedger.Event.AHEAD_NO_HOLDERS : FetchLedger.Event.AHEAD_FAILED);
            return Future.<Fetched>failedFuture(new SourceFailure("no holder delivered " + info.segmentId(),
                tried.tried, false, false));
          })
          .onSuccess(f -> {
            cache.put(f.segment());
            ledger.fetched(purpose, f.tier(), f.segment().size());
          })
          .onComplete(ar -> {
            aheadEnds.remove(info.segmentId());
            aheadTrails.remove(info.segmentId());
          });
    });
  }

  /**
   * Stops the read-ahead of a segment that came from the edges first (a hedge won): its request is
   * reset or its chunked download aborted, so neither the holders' uplinks nor this peer's downlink
   * carry a copy nobody needs; the holders are not blamed. Nothing when no read-ahead of it runs.
   */
  public void cancelAhead(String segmentId) {
    Trail t = aheadTrails.get(segmentId);
    if (t != null) {
      t.cancel();
    }
  }

  /**
   * How long a player joining the fetch under way for this segment should wait before the edges
   * are asked too, ms. A read-ahead from holders: 0 when it is overdue or expected to end later
   * than an edge fetch started now would, else twice its expected remaining time (at most
   * {@code hedgeMs}). Any other fetch: {@code hedgeMs}.
   */
  public long hedgeDelayMs(Manifest.Segment info, long hedgeMs) {
    Long end = aheadEnds.get(info.segmentId());
    if (end == null) {
      return hedgeMs;
    }
    long remaining = end - System.currentTimeMillis();
    // overdue (a slow holder) or expected after the edge: at once; else a little past its expected end
    return remaining <= 0 || remaining > finish.edgeMs(info.bytes()) ? 0 : Math.min(hedgeMs, 2 * remaining);
  }

  /**
   * Counts a player waiting for {@code answer}: read-ahead from peers starts no new fetch meanwhile
   * (the waiting player's bytes share this peer's downlink).
   */
  public <T> Future<T> playerWaiting(Future<T> answer) {
    if (answer.isComplete()) {
      return answer;
    }
    playersWaiting.incrementAndGet();
    return answer.onComplete(ar -> playersWaiting.decrementAndGet());
  }

  /** Read-aheads from holders ({@link #fetchAhead}, and next segments asked of holders) under way. */
  public int aheadInFlight() {
    return aheadTrails.size();
  }

  /** Players of this peer waiting for a segment now. */
  public int playersWaiting() {
    return playersWaiting.get();
  }

  /** The finish-time estimates behind {@link #fetchUrgent} and {@link #hedgeDelayMs}. */
  public FinishTimes finishTimes() {
    return finish;
  }

  /** Fetches under way (the download limit read-ahead respects). */
  public int inFlight() {
    return flights.inflight();
  }

  /** True while a fetch of the segment is under way. */
  public boolean isFetching(String segmentId) {
    return flights.isRunning(segmentId);
  }

  /** Bytes received from peers and edges since start. */
  public long downloadedBytes() {
    return downloadedBytes.get();
  }

  /** @param mayWait read-ahead's next segment in steady play: it may wait for another peer's edge copy */
  private Future<Fetched> run(Manifest.Segment info, Trail tried, boolean mayWait) {
    long now = System.currentTimeMillis();
    Future<Fetched> p2p = config.p2pEnabled() ? fromPeers(info, now + config.p2pBudget().toMillis(), tried, true)
        : Future.succeededFuture(null);
    if (mayWait) {
      p2p = p2p.compose(got -> got != null ? Future.succeededFuture(got)
          : waitForClaim(info, tried, now + CLAIM_WAIT_MS))
          .compose(got -> got != null ? Future.succeededFuture(got) : waitOutBusy(info, tried, now + BUSY_WAIT_MS));
    }
    return p2p.compose(got -> {
      if (got != null) {
        return Future.succeededFuture(got);
      }
      if (tried.cancelled()) {
        // A hedge took the segment to the edges (won, or took the transfer over): nobody needs this copy.
        return Future.failedFuture(new SourceFailure("handed to the edges by a hedge", tried.tried, false,
            false));
      }
      if (config.p2pEnabled()) {
        ledger.count(tried.noHolders ? FetchLedger.Event.EDGES_NO_HOLDERS : FetchLedger.Event.EDGES_HOLDERS_FAILED);
      }
      aheadEnds.remove(info.segmentId());
      // At the edges now: a player joining it, or waiting on it, has nothing to hedge with (isEdgeFlight).
      edgeFlights.add(info.segmentId());
      return tryEdges(info, links.edgesByRtt(), 0, tried).onComplete(ar -> edgeFlights.remove(info.segmentId()));
    });
  }

  /**
   * The tracker said another peer is fetching this segment from an edge: asks again every {@value #CLAIM_POLL_MS}
   * ms and takes the copy from holders once it is announced. Null (the edges next) when that peer's claim lapsed
   * (this peer then holds it), {@code waitUntil} (epoch ms) passed, or a hedge took the segment over.
   */
  private Future<Fetched> waitForClaim(Manifest.Segment info, Trail tried, long waitUntil) {
    if (!tried.beingFetched || tried.cancelled() || System.currentTimeMillis() + CLAIM_POLL_MS > waitUntil) {
      return Future.succeededFuture(null);
    }
    if (!tried.waitedForClaim) {
      tried.waitedForClaim = true;
      ledger.count(FetchLedger.Event.CLAIM_WAITED);
    }
    return askAgainAfter(info, tried, CLAIM_POLL_MS, () -> waitForClaim(info, tried, waitUntil));
  }

  /**
   * Holders of this segment answered 503 (their uplinks' backlog full): waits until the first of them accepts
   * again and asks the tracker and the holders once more, as long as that is before {@code waitUntil} (epoch
   * ms). Null (the edges next) otherwise, or when a hedge took the segment over.
   */
  private Future<Fetched> waitOutBusy(Manifest.Segment info, Trail tried, long waitUntil) {
    long busyUntil = tried.takeBusyUntil();
    if (busyUntil == 0 || busyUntil > waitUntil || tried.cancelled()) {
      return Future.succeededFuture(null);
    }
    if (!tried.waitedForBusy) {
      tried.waitedForBusy = true;
      ledger.count(FetchLedger.Event.BUSY_WAITED);
    }
    return askAgainAfter(info, tried, Math.max(1, busyUntil - System.currentTimeMillis()),
        () -> waitOutBusy(info, tried, waitUntil));
  }

  /**
   * A wait of read-ahead's next segment ({@link #waitForClaim}, {@link #waitOutBusy}): after {@code delayMs} asks
   * the tracker and the holders once more, then {@code otherwise} when none delivered. Meanwhile the fetch counts
   * as overdue, so a player joining it goes to the edges at once. Null when a hedge took the segment over.
   */
  private Future<Fetched> askAgainAfter(Manifest.Segment info, Trail tried, long delayMs,
      Supplier<Future<Fetched>> otherwise) {
    String id = info.segmentId();
    aheadEnds.put(id, System.currentTimeMillis());
    return vertx.timer(delayMs).compose(v -> {
      if (tried.cancelled()) {
        return Future.<Fetched>succeededFuture(null);
      }
      // the lookup below says afresh whether holders are known: a copy found and then refused counts as failed
      tried.noHolders = false;
      tried.beingFetched = false;
      long now = System.currentTimeMillis();
      aheadEnds.put(id, now + (long) finish.holderMs(info.bytes()));
      return fromPeers(info, now + config.p2pBudget().toMillis(), tried, true)
          .compose(got -> got != null ? Future.succeededFuture(got) : otherwise.get());
    });
  }

  /**
   * Tracker lookup, then the holders (in chunks from several, or one after another) until
   * {@code deadline}; null when none delivered.
   *
   * @param edgeMayJoin the edges are next when no holder delivers: the lookup claims a segment no peer holds
   *     ({@link TrackerClient#lookup(String, String, String, List, long, boolean)}), and a chunked download may
   *     add the edge as a source when its plan misses the deadline
   */
  private Future<Fetched> fromPeers(Manifest.Segment info, long deadline, Trail tried, boolean edgeMayJoin) {
    long trackerBound = Math.min(config.trackerTimeout().toMillis(), config.p2pBudget().toMillis());
    return tracker.lookup(info.segmentId(), config.region(), config.peerId(),
            penalties.active(System.currentTimeMillis(), 8, tried.priority), trackerBound, edgeMayJoin)
        .compose(lookup -> {
          List<TrackerClient.Holder> holders = lookup.holders();
          if (holders.isEmpty()) {
            tried.note(lookup.beingFetched() ? "tracker: no holders, another peer fetching it" : "tracker: no holders");
            tried.noHolders = true;
            tried.beingFetched = lookup.beingFetched();
          }
          for (TrackerClient.Holder h : holders) {
            links.neighbour(h.peerId(), h.baseUrl(), h.region());
          }
          List<TrackerClient.Holder> usable = holders.stream()
              .filter(h -> !penalties.isPenalised(h.peerId(), System.currentTimeMillis(), tried.priority)).toList();
          if (chunked(info, usable.size()) && worthChunking(info, usable)) {
            return chunked(info, usable, deadline, tried, edgeMayJoin);
          }
          PathRouter r = router;
          if (r == null || !r.enabled()) {
            return tryHolders(info, holders, 0, deadline, tried);
          }
          return r.rank(holders, Math.max(1, deadline - System.currentTimeMillis()))
              .compose(ranked -> tryHolders(info, ranked, 0, deadline, tried));
        });
  }

  /**
   * True when the segment is fetched in chunks from several holders: it has chunk hashes, at least
   * {@value #MIN_CHUNKS} chunks, and at least two holders are not penalised. A tiny segment or a single
   * holder keeps the one-request path.
   */
  static boolean chunked(Manifest.Segment info, int usableHolders) {
    return info.chunks() != null && info.chunks().count() >= MIN_CHUNKS && usableHolders >= 2;
  }

  /**
   * True when the fastest holder (measured throughput, {@link SourceRates}) would need more than
   * {@value #MIN_CHUNKED_MS} ms for the whole segment: below that, a chunk request's own round trip
   * costs more than several holders save (a fast link, a small segment).
   */
  private boolean worthChunking(Manifest.Segment info, List<TrackerClient.Holder> holders) {
    double fastest = holders.stream().mapToDouble(h -> rates.bytesPerSecond(h.peerId())).max().orElse(1);
    return info.bytes() * 1000.0 / fastest > MIN_CHUNKED_MS;
  }

  /** Multi-source download ({@link ChunkedDownload}); null (edges next) when it did not complete. */
  private Future<Fetched> chunked(Manifest.Segment info, List<TrackerClient.Holder> holders, long deadline,
      Trail tried, boolean edgeMayJoin) {
    multiSource.incrementAndGet();
    List<ChunkedDownload.Source> sources = holders.stream()
        .map(h -> new ChunkedDownload.Source(h.peerId(), h.baseUrl(), false)).toList();
    ChunkedDownload.Listener listener = new ChunkedDownload.Listener() {
      @Override
      public void badChunk(ChunkedDownload.Source source, int chunk, String expected, String got) {
        if (source.edge()) {
          edgeFailed(source.id());
          LOG.warn("edge {} sent a wrong chunk {} of {}", source.id(), chunk, info.segmentId());
        } else {
          badHolder(source.id(), info, "a wrong chunk " + chunk + " (sha256 " + got + " instead of " + expected + ")",
              got);
        }
      }

      @Override
      public void unavailable(ChunkedDownload.Source source, String reason, long retryAfterMs) {
        if (source.edge()) {
          edgeFailed(source.id());
        } else {
          ledger.count(reason.startsWith("timeout") ? FetchLedger.Event.HOLDER_TIMEOUT
              : reason.equals("503") ? FetchLedger.Event.HOLDER_BUSY : FetchLedger.Event.HOLDER_OTHER);
          if (reason.equals("503")) {
            tried.busyUntil(penalties.busy(source.id(), System.currentTimeMillis(), retryAfterMs, tried.priority));
          } else {
            penalties.demote(source.id(), System.currentTimeMillis(), retryAfterMs);
          }
        }
      }

      @Override
      public void served(ChunkedDownload.Source source, long bytes) {
        downloadedBytes.addAndGet(bytes);
        if (!source.edge()) {
          penalties.served(source.id());
          reciprocity.received(source.id(), bytes);
        }
      }
    };
    ChunkedDownload download = new ChunkedDownload(vertx, http, rates, listener, config.peerId(), info, sources,
        edgeMayJoin ? this::edgeSource : () -> null, config.peerTimeout().toMillis(), deadline, upstream,
        tried.priority);
    Future<ChunkedDownload.Result> run = download.run();
    tried.onCancel(() -> download.abort("the segment came from elsewhere first"));
    resume.downloading(info.segmentId(), download, tried::cancel, run);
    return run.transform(ar -> {
      if (ar.failed()) {
        ChunkedDownload.Incomplete e = ar.cause() instanceof ChunkedDownload.Incomplete i ? i : null;
        if (e != null) {
          // A holder's wrong chunk is its own fault (penalised), not the answer's: wrongBytes stays.
          e.trail().forEach(tried::attempt);
        } else {
          tried.attempt("chunks: " + ar.cause());
        }
        return Future.succeededFuture(null);
      }
      ChunkedDownload.Result r = ar.result();
      ledger.count(FetchLedger.Event.CHUNKED);
      ledger.add(FetchLedger.Event.CHUNKS_NEEDED, info.chunks().count());
      ledger.add(FetchLedger.Event.CHUNK_REQUESTS, r.requests());
      LOG.debug("{} in {} chunk requests from {} ({})", info.segmentId(), r.requests(), r.bytesBySource(), r.trail());
      r.trail().forEach(tried::note);
      String top = r.topSource();
      boolean edgeTop = links.edges().stream().anyMatch(l -> l.id().equals(top));
      tried.attempts += r.bytesBySource().size();
      return Future.succeededFuture(new Fetched(CachedSegment.offHeap(info.segmentId(), r.bytes(), info.sha256()),
          edgeTop ? Tier.EDGE : Tier.PEER, top, 1, tried.attempts));
    });
  }

  /** The edge a chunked download adds when its deadline needs it: the best one that is up, or null. */
  private ChunkedDownload.Source edgeSource() {
    Link best = links.bestEdge();
    return best == null ? null : new ChunkedDownload.Source(best.id(), best.url(), true);
  }

  private void edgeFailed(String edgeId) {
    links.edges().stream().filter(l -> l.id().equals(edgeId)).forEach(l -> l.failed(System.currentTimeMillis()));
  }

  /** Segments fetched in chunks from several sources since start. */
  public long multiSourceDownloads() {
    return multiSource.get();
  }

  private Future<Fetched> tryHolders(Manifest.Segment info, List<TrackerClient.Holder> holders, int i,
      long deadline, Trail tried) {
    long now = System.currentTimeMillis();
    if (i >= holders.size()) {
      return Future.succeededFuture(null);
    }
    if (now >= deadline) {
      tried.note("peers: budget of " + config.p2pBudget().toMillis() + " ms spent");
      return Future.succeededFuture(null);
    }
    if (tried.cancelled()) {
      tried.note("peers: cancelled");
      return Future.succeededFuture(null);
    }
    TrackerClient.Holder h = holders.get(i);
    if (penalties.isPenalised(h.peerId(), now, tried.priority)) {
      tried.note("peer " + h.peerId() + ": skipped, penalised or backing off");
      return tryHolders(info, holders, i + 1, deadline, tried);
    }
    long bound = Math.min(tried.holderBoundMs > 0 ? tried.holderBoundMs : config.peerTimeout().toMillis(),
        deadline - now);
    String label = "peer " + h.peerId() + " (" + h.baseUrl() + ")";
    PathRouter r = router;
    if (r != null && r.enabled() && r.relayFirst(h.peerId(), now)) {
      return relayed(r, info, holders, i, deadline, tried, label);
    }
    long started = System.nanoTime();
    return Http.getCapped(http, upstream.segmentUrl(h.baseUrl(), info.segmentId()), bound, CdnHeaders.PEER_REQUEST,
        config.peerId(), bodyCap(info), req -> tried.onCancel(req::reset),
        t -> resume.sending(info.segmentId(), h.peerId(), tried, tried::cancel, t), tried.priority.header())
        .transform(ar -> {
          resume.ended(info.segmentId(), tried);
          long at = System.currentTimeMillis();
          if (ar.failed() && tried.cancelled()) {
            tried.note(label + ": cancelled"); // our own reset: the holder did nothing wrong
            return Future.succeededFuture(null);
          }
          if (ar.failed()) {
            tried.attempt(label + ": " + Http.reason(ar.cause(), bound));
            ledger.count(Http.isTimeout(ar.cause()) ? FetchLedger.Event.HOLDER_TIMEOUT : FetchLedger.Event.HOLDER_OTHER);
            if (ar.cause() instanceof Http.BodyTooLarge) {
              badHolder(h.peerId(), info, "a body over the manifest's " + info.bytes() + " bytes", ar.cause().getMessage());
            } else {
              if (!penalties.isPenalised(h.peerId(), at, tried.priority)) {
                integrity.holderFailed(h.peerId(), info.segmentId(),
                    Http.isTimeout(ar.cause()) ? HolderFault.TIMEOUT : HolderFault.REFUSED);
              }
              if (r != null && r.enabled()) {
                // No direct connection (NAT, a cut link): the topology's path through relays may still reach it.
                return relayed(r, info, holders, i, deadline, tried, label);
              }
              penalties.demote(h.peerId(), at, 0);
            }
            return tryHolders(info, holders, i + 1, deadline, tried);
          }
          Http.Answer resp = ar.result();
          if (resp.status() != 200) {
            tried.attempt(label + ": " + resp.status());
            ledger.count(resp.status() == 503 ? FetchLedger.Event.HOLDER_BUSY : FetchLedger.Event.HOLDER_OTHER);
            if (resp.status() == 503) {
              tried.busyUntil(penalties.busy(h.peerId(), at, retryAfterMs(resp.header("Retry-After")),
                  tried.priority));
            } else if (resp.status() >= 500) {
              penalties.demote(h.peerId(), at, retryAfterMs(resp.header("Retry-After")));
            }
            return tryHolders(info, holders, i + 1, deadline, tried);
          }
          Buffer body = resp.body();
          downloadedBytes.addAndGet(body.length());
          String sha = sha256(body);
          if (!sha.equals(info.sha256())) {
            badHolder(h.peerId(), info, "wrong bytes (sha256 " + sha + " instead of " + info.sha256() + ")", sha);
            tried.attempt(label + ": sha256 mismatch");
            return tryHolders(info, holders, i + 1, deadline, tried);
          }
          penalties.served(h.peerId());
          reciprocity.received(h.peerId(), body.length());
          rates.sample(h.peerId(), body.length(), System.nanoTime() - started);
          tried.attempt(label + ": 200");
          return Future.succeededFuture(new Fetched(CachedSegment.offHeap(info.segmentId(), body, sha), Tier.PEER,
              h.peerId(), 1, tried.attempts));
        });
  }

  /** The holder through the relays on the topology's path; the next holder when that fails. */
  private Future<Fetched> relayed(PathRouter r, Manifest.Segment info, List<TrackerClient.Holder> holders, int i,
      long deadline, Trail tried, String label) {
    TrackerClient.Holder h = holders.get(i);
    long left = deadline - System.currentTimeMillis();
    if (left <= 0) {
      tried.note("peers: budget of " + config.p2pBudget().toMillis() + " ms spent");
      return Future.succeededFuture(null);
    }
    return r.viaRelay(info, h.peerId(), left).transform(ar -> {
      if (ar.failed()) {
        tried.attempt(label + " via relay: " + Http.reason(ar.cause(), left));
        penalties.demote(h.peerId(), System.currentTimeMillis(), 0);
        return tryHolders(info, holders, i + 1, deadline, tried);
      }
      PathRouter.ViaRelay v = ar.result();
      Buffer body = v.relayed().bytes();
      downloadedBytes.addAndGet(body.length());
      penalties.served(h.peerId());
      tried.attempt(label + " via " + String.join(",", v.relayed().path()) + ": 200");
      return Future.succeededFuture(new Fetched(CachedSegment.offHeap(info.segmentId(), body, v.relayed().sha256()),
          Tier.PEER, h.peerId(), v.relayed().path().size(), tried.attempts, v.relayed().path()));
    });
  }

  private void badHolder(String holderId, Manifest.Segment info, String what, String got) {
    penalties.penalise(holderId, System.currentTimeMillis());
    LOG.warn("holder {} sent {} for {}; not asked again for {} ms", holderId, what, info.segmentId(),
        config.penalty().toMillis());
    integrity.wrongBytes(holderId, info.segmentId(), info.sha256(), got);
  }

  private Future<Fetched> tryEdges(Manifest.Segment info, List<Link> edges, int i, Trail tried) {
    if (i >= edges.size()) {
      return Future.failedFuture(new SourceFailure("every source of " + info.segmentId() + " failed", tried.tried, false,
          tried.wrongBytes));
    }
    Link edge = edges.get(i);
    long bound = config.edgeTimeout().toMillis();
    String label = "edge " + edge.id() + " (" + edge.url() + ")";
    long started = System.nanoTime();
    return Http.getCapped(http, upstream.segmentUrl(edge.url(), info.segmentId()), bound, CdnHeaders.PEER_REQUEST,
        config.peerId(), bodyCap(info))
        .transform(ar -> {
          if (ar.failed()) {
            edge.failed(System.currentTimeMillis());
            tried.attempt(label + ": " + Http.reason(ar.cause(), bound));
            return tryEdges(info, edges, i + 1, tried);
          }
          Http.Answer resp = ar.result();
          if (resp.status() != 200) {
            if (resp.status() >= 500) {
              edge.failed(System.currentTimeMillis());
            }
            tried.attempt(label + ": " + resp.status());
            return tryEdges(info, edges, i + 1, tried);
          }
          Buffer body = resp.body();
          downloadedBytes.addAndGet(body.length());
          String sha = sha256(body);
          if (!sha.equals(info.sha256())) {
            edge.failed(System.currentTimeMillis());
            LOG.warn("edge {} sent wrong bytes for {} (sha256 {} instead of {})", edge.id(), info.segmentId(), sha,
                info.sha256());
            tried.attempt(label + ": sha256 mismatch");
            tried.wrongBytes = true;
            return tryEdges(info, edges, i + 1, tried);
          }
          edge.up();
          String servedBy = resp.header(CdnHeaders.SERVED_BY);
          String sourceId = Ids.isNodeId(servedBy) ? servedBy : edge.id();
          boolean miss = "MISS".equalsIgnoreCase(resp.header(CdnHeaders.CACHE));
          if (!miss) {
            // hits only: what the edge itself delivers; its misses add the origin's time, not the link's
            edgeRates.sample(edge.url(), body.length(), System.nanoTime() - started);
          }
          tried.attempt(label + ": 200");
          return Future.succeededFuture(new Fetched(CachedSegment.offHeap(info.segmentId(), body, sha),
              miss ? Tier.ORIGIN : Tier.EDGE, sourceId, miss ? 2 : 1, tried.attempts));
        });
  }

  /**
   * How long a read-ahead from holders ({@link #fetchAhead}: no player waits) gives one holder, ms:
   * {@code PEER_TIMEOUT_MS}, or the segment at {@value #THIN_UPLINK_BITS_PER_SECOND} bit/s with half
   * as much again to spare plus a cross-region round trip ({@link FinishTimes#DEFAULT_RTT_MS}),
   * whichever is longer (240 KB: 1,490 ms). The P2P window's budget is twice this.
   */
  private long patientHolderMs(Manifest.Segment info) {
    return patientHolderMs(info.bytes(), config.peerTimeout().toMillis());
  }

  /** {@link #patientHolderMs(Manifest.Segment)} of a segment of {@code bytes}, ms. */
  static long patientHolderMs(long bytes, long peerTimeoutMs) {
    long transfer = bytes * 8 * 1000 / THIN_UPLINK_BITS_PER_SECOND;
    return Math.max(peerTimeoutMs, (long) FinishTimes.DEFAULT_RTT_MS + transfer * 3 / 2);
  }

  /**
   * The largest body read from a source: the manifest's size of the segment, or {@value
   * #MIN_BODY_CAP} bytes for a tiny segment (an error envelope must still fit).
   */
  public static long bodyCap(Manifest.Segment info) {
    return Math.max(info.bytes(), MIN_BODY_CAP);
  }

  /** {@code Retry-After} in delay-seconds (RFC 9110 section 10.2.3) as ms; 0 when absent or a date. */
  public static long retryAfterMs(String header) {
    if (header == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(header.strip())) * 1000;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** What one fetch tried: every source with its outcome, and how many were actually asked. */
  private static final class Trail {
    final List<String> tried = new ArrayList<>();
    int attempts;
    /** An edge sent bytes that failed the SHA-256 check (a holder's wrong bytes are its own fault, not the answer's). */
    boolean wrongBytes;
    /** The tracker named no holder. */
    boolean noHolders;
    /** ... and said another peer is fetching it from an edge ({@code being_fetched}). */
    boolean beingFetched;
    /** The fetch waited for that peer's copy ({@link #waitForClaim}); counted once. */
    boolean waitedForClaim;
    /** When the first holder that answered 503 since {@link #takeBusyUntil} accepts again, epoch ms; 0: none did. */
    private long busyUntilMs;
    /** The fetch waited for busy holders ({@link #waitOutBusy}); counted once. */
    boolean waitedForBusy;
    /** Bound of one holder request, ms; 0: {@code PEER_TIMEOUT_MS}. */
    long holderBoundMs;
    /** What the holders are asked as: background for read-ahead with time to spare ({@link #fetchAhead}). */
    UploadPriority priority = UploadPriority.URGENT;
    private boolean cancelled;
    private Runnable onCancel;

    /** Stops what the fetch is doing (a request reset, a chunked download aborted); it then tries no further source. */
    void cancel() {
      Runnable r;
      synchronized (this) {
        cancelled = true;
        r = onCancel;
        onCancel = null;
      }
      if (r != null) {
        r.run();
      }
    }

    synchronized boolean cancelled() {
      return cancelled;
    }

    /** What {@link #cancel} stops now; run at once when already cancelled. */
    void onCancel(Runnable r) {
      boolean now;
      synchronized (this) {
        now = cancelled;
        onCancel = now ? null : r;
      }
      if (now) {
        r.run();
      }
    }

    /** A holder answered 503 and is asked again from {@code untilMs} (epoch ms) on. */
    synchronized void busyUntil(long untilMs) {
      busyUntilMs = busyUntilMs == 0 ? untilMs : Math.min(busyUntilMs, untilMs);
    }

    /** When the first holder that answered 503 since the last call accepts again, epoch ms (0: none did). */
    synchronized long takeBusyUntil() {
      long at = busyUntilMs;
      busyUntilMs = 0;
      return at;
    }

    void attempt(String outcome) {
      tried.add(outcome);
      attempts++;
    }

    void note(String outcome) {
      tried.add(outcome);
    }
  }

  /** Lower-case hex SHA-256 of the buffer's bytes. */
  public static String sha256(Buffer bytes) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(bytes.getBytes());
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
