package dev.hybridcdn.peer.fetch.multisource;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.peer.upload.UploadPriority;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * One segment fetched in chunks (HTTP {@code Range}, one chunk per request) from several sources at
 * once (issue 14; seeds 001 and 002):
 * <ol>
 *   <li>the chunks are assigned by maximum flow ({@link ChunkAssignment}) over the holders, each with
 *       its measured throughput ({@link SourceRates});</li>
 *   <li>each source works through its share, {@value #DEPTH} requests at a time; a source that finishes early
 *       takes the last queued chunk of the source with the most time left (so a slow holder's share
 *       shrinks as it falls behind);</li>
 *   <li>endgame: once nothing is queued, an idle source also asks for a chunk still in flight at
 *       another one (BitTorrent's end game), but only once that copy is overdue (late by one more
 *       chunk's time at its source's rate; an edge that joined does not wait); the first copy to
 *       arrive wins, the other request is reset. A stalled holder therefore costs about two chunks'
 *       transfer time, and a holder on time is not made to send chunks nobody keeps (duplicates
 *       sent at once left 40-43% of holders' finished uploads unkept in the eval);</li>
 *   <li>each chunk is checked against its SHA-256 on arrival: a wrong chunk names its sender, which is
 *       reported ({@link Listener#badChunk}) and dropped from this download; a timeout, refused
 *       connection or error status drops the source too ({@link Listener#unavailable}); either way
 *       the chunks not yet received are re-planned over the sources left;</li>
 *   <li>the edge joins as one more source when the plan cannot finish by the deadline, when the
 *       deadline passes with chunks missing, or when no holder is left (the P2P window and the HTTP
 *       window of p2p-media-loader);</li>
 *   <li>the chunks are joined and the whole segment's SHA-256 checked once more.</li>
 * </ol>
 * A chunk request is bounded by max({@code floorMs}, 4x its expected time at the source's rate, times
 * {@value #DEPTH}).
 * State is guarded by this object's lock; requests are sent outside it.
 */
public final class ChunkedDownload {
  /**
   * A source of chunks.
   *
   * @param id holder peer id or edge id
   * @param baseUrl {@code http://host:port}
   * @param edge true for an edge
   */
  public record Source(String id, String baseUrl, boolean edge) {}

  /** What the download tells its owner (penalties, integrity reports, reciprocity). */
  public interface Listener {
    /** {@code sourceId} sent chunk {@code chunk} with SHA-256 {@code got} instead of {@code expected}. */
    void badChunk(Source source, int chunk, String expected, String got);

    /** {@code sourceId} timed out, refused, answered an error status or no {@code Range}. */
    void unavailable(Source source, String reason, long retryAfterMs);

    /** {@code bytes} good bytes arrived from {@code source}. */
    void served(Source source, long bytes);
  }

  /**
   * The verified segment.
   *
   * @param bytes the whole segment, checked against its SHA-256
   * @param bytesBySource good chunk bytes kept per source id, in the order the sources joined
   * @param requests chunk requests sent (duplicates of the endgame included)
   * @param trail what happened to each source that failed, for logs and 502 bodies
   */
  public record Result(Buffer bytes, Map<String, Long> bytesBySource, int requests, List<String> trail) {
    /** The source that sent the most bytes. */
    public String topSource() {
      return bytesBySource.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
    }
  }

  /** Every source failed before the segment was complete. */
  public static final class Incomplete extends RuntimeException {
    private final transient List<String> trail;
    private final boolean wrongBytes;

    Incomplete(String message, List<String> trail, boolean wrongBytes) {
      super(message, null, false, false);
      this.trail = List.copyOf(trail);
      this.wrongBytes = wrongBytes;
    }

    public List<String> trail() {
      return trail;
    }

    /** True when a source sent a chunk that failed its SHA-256 check. */
    public boolean wrongBytes() {
      return wrongBytes;
    }
  }

  private final class SourceState {
    final Source source;
    final ArrayDeque<Integer> queue = new ArrayDeque<>();
    /** Requests out at this source, at most {@value #DEPTH}. */
    final List<Request> active = new ArrayList<>(DEPTH);
    boolean dead;
    long bytes;
    /**
     * Since when requests have been out at this source without a break, and the bytes of the chunks
     * that came in since: its throughput samples. Per chunk (bytes x requests sharing the uplink over
     * the chunk's time) it read 1.6x a 12 Mbit/s link in MultiSourceIT, whose relay sends a holder's
     * requests one after the other instead of side by side, and chunks on time were duplicated.
     */
    long busySinceNanos;
    long busyBytes;

    SourceState(Source source) {
      this.source = source;
    }

    double secondsPerChunk() {
      return chunks.chunkBytes() / Math.max(1.0, rates.bytesPerSecond(source.id()));
    }
  }

  private static final class Request {
    final SourceState by;
    final int chunk;
    final long startedNanos = System.nanoTime();
    /** Requests already out at its source when this one was sent: its bytes come after theirs. */
    final int ahead;
    HttpClientRequest http;
    boolean cancelled;

    Request(SourceState by, int chunk) {
      this.by = by;
      this.chunk = chunk;
      this.ahead = by.active.size();
    }
  }

  /**
   * Chunk requests out at one source at once: the next is asked for while the last is arriving,
   * so a request's round trip does not idle the holder's uplink between chunks.
   */
  static final int DEPTH = 2;

  private final Vertx vertx;
  private final UpstreamTokens upstream;
  private final HttpClient http;
  private final SourceRates rates;
  private final Listener listener;
  private final String requesterId;
  private final UploadPriority priority;
  private final Manifest.Segment info;
  private final Manifest.Chunks chunks;
  private final long floorMs;
  private final long deadlineMs;
  private final Supplier<Source> edge;
  private final Buffer[] got;
  private final Map<String, SourceState> sources = new LinkedHashMap<>();
  private final Map<Integer, List<Request>> inFlight = new HashMap<>();
  private final List<String> trail = new ArrayList<>();
  private final Promise<Result> done = Promise.promise();
  private int received;
  private int requests;
  private boolean edgeJoined;
  private boolean wrongBytes;
  private long deadlineTimer = -1;
  private long recheckTimer = -1;
  private long recheckAtNanos;

  /**
   * @param requesterId this peer's id, sent as {@value CdnHeaders#PEER_REQUEST}
   * @param priority what the holders are asked as ({@link UploadPriority}: urgent, or read-ahead in the
   *     background); the edge, added late, is asked without
   * @param info the segment, with chunk hashes
   * @param holders holders to ask, best first
   * @param edge the edge to add when the deadline needs it (null or a null answer: none)
   * @param floorMs smallest bound of one chunk request, ms ({@code PEER_TIMEOUT_MS})
   * @param deadlineMs wall-clock time (epoch ms) by which the segment should be complete; the edge
   *     joins when the plan or the clock says it will not be
   */
  public ChunkedDownload(Vertx vertx, HttpClient http, SourceRates rates, Listener listener, String requesterId,
      Manifest.Segment info, List<Source> holders, Supplier<Source> edge, long floorMs, long deadlineMs,
      UpstreamTokens upstream, UploadPriority priority) {
    this.upstream = upstream;
    this.priority = priority;
    if (info.chunks() == null) {
      throw new IllegalArgumentException(info.segmentId() + " has no chunk hashes");
    }
    this.vertx = vertx;
    this.http = http;
    this.rates = rates;
    this.listener = listener;
    this.requesterId = requesterId;
    this.info = info;
    this.chunks = info.chunks();
    this.floorMs = floorMs;
    this.deadlineMs = deadlineMs;
    this.edge = edge == null ? () -> null : edge;
    this.got = new Buffer[chunks.count()];
    for (Source s : holders) {
      sources.putIfAbsent(s.id(), new SourceState(s));
    }
  }

  /** Starts the download; the future completes with the verified segment or fails with {@link Incomplete}. */
  public Future<Result> run() {
    synchronized (this) {
      replan();
      if (!edgeJoined && System.currentTimeMillis() + plannedMs() > deadlineMs) {
        joinEdge("the plan over " + liveCount() + " holders misses the deadline");
      }
      long wait = deadlineMs - System.currentTimeMillis();
      if (wait > 0) {
        deadlineTimer = vertx.setTimer(wait, t -> {
          synchronized (this) {
            if (!done.future().isComplete() && !edgeJoined) {
              joinEdge("the deadline passed with " + (got.length - received) + " chunks missing");
            }
          }
          pump();
        });
      }
      checkFailed();
    }
    pump();
    return done.future();
  }

  /** Chunks not received and not in flight at any live source, re-assigned over the live sources by max flow. */
  private void replan() {
    List<SourceState> live = live();
    Set<Integer> open = new TreeSet<>();
    for (int c = 0; c < got.length; c++) {
      if (got[c] == null && !inFlight.containsKey(c)) {
        open.add(c);
      }
    }
    live.forEach(s -> s.queue.clear());
    if (live.isEmpty() || open.isEmpty()) {
      return;
    }
    List<ChunkAssignment.Source> candidates = live.stream()
        .map(s -> new ChunkAssignment.Source(s.source.id(), s.secondsPerChunk(), null)).toList();
    ChunkAssignment.Plan plan = ChunkAssignment.plan(open, candidates);
    plan.bySource().forEach((id, list) -> sources.get(id).queue.addAll(list));
  }

  /** Expected ms until every queued chunk is in, by the plan. */
  private long plannedMs() {
    double worst = 0;
    for (SourceState s : live()) {
      worst = Math.max(worst, s.queue.size() * s.secondsPerChunk());
    }
    return (long) (worst * 1000);
  }

  private void joinEdge(String why) {
    Source e = edge.get();
    edgeJoined = true;
    if (e == null || sources.containsKey(e.id())) {
      return;
    }
    trail.add("edge " + e.id() + " joined: " + why);
    sources.put(e.id(), new SourceState(e));
    replan();
  }

  private List<SourceState> live() {
    return sources.values().stream().filter(s -> !s.dead).toList();
  }

  private int liveCount() {
    return live().size();
  }

  /** Gives every idle live source its next request and sends them. */
  private void pump() {
    List<Request> toSend = new ArrayList<>();
    synchronized (this) {
      if (done.future().isComplete()) {
        return;
      }
      for (SourceState s : live()) {
        while (s.active.size() < DEPTH) {
          Request r = next(s);
          if (r == null) {
            break;
          }
          if (s.active.isEmpty()) {
            s.busySinceNanos = r.startedNanos;
            s.busyBytes = 0;
          }
          s.active.add(r);
          inFlight.computeIfAbsent(r.chunk, k -> new ArrayList<>(2)).add(r);
          requests++;
          toSend.add(r);
        }
      }
      scheduleRecheck();
    }
    toSend.forEach(this::send);
  }

  /** Own queue, else the last queued chunk of the source with the most time left, else an endgame duplicate. */
  private Request next(SourceState s) {
    while (!s.queue.isEmpty()) {
      int c = s.queue.poll();
      if (got[c] == null && !inFlight.containsKey(c)) {
        return new Request(s, c);
      }
    }
    SourceState victim = null;
    double most = 0;
    for (SourceState o : live()) {
      double left = o.queue.size() * o.secondsPerChunk();
      if (o != s && !o.queue.isEmpty() && left > most) {
        victim = o;
        most = left;
      }
    }
    if (victim != null && most > s.secondsPerChunk() * 0.5) {
      return new Request(s, victim.queue.pollLast());
    }
    // End game: a chunk asked of one other source only, the longest outstanding first, once it is
    // overdue there; the edge, which joins only when the deadline is at risk, takes any.
    long now = System.nanoTime();
    Request oldest = null;
    for (List<Request> rs : inFlight.values()) {
      Request o = rs.size() == 1 ? rs.get(0) : null;
      if (o != null && o.by != s && (s.source.edge() || now >= overdueNanos(o))
          && (oldest == null || o.startedNanos < oldest.startedNanos)) {
        oldest = o;
      }
    }
    return oldest == null ? null : new Request(s, oldest.chunk);
  }

  /**
   * When request {@code r} is overdue: its source's requests share its uplink, so it is expected in
   * after (requests ahead of it when it was sent, plus itself) x (one chunk's time at the source's
   * rate); overdue when late by one more chunk's time. Counting the requests out now instead left a
   * request sent behind another no margin once that one was in: on time, it was duplicated by
   * scheduling jitter alone.
   */
  private long overdueNanos(Request r) {
    return r.startedNanos + (long) ((r.ahead + 2) * r.by.secondsPerChunk() * 1e9);
  }

  /**
   * A source left idle because no chunk in flight is worth duplicating yet looks again when the
   * first of them becomes overdue; without this a stalled holder would wait out its request's bound.
   * Only chunks another source could take count (a source never duplicates its own), so a chunk
   * already overdue does not wake this download every millisecond.
   */
  private void scheduleRecheck() {
    List<SourceState> idle = live().stream().filter(s -> s.active.size() < DEPTH).toList();
    long at = Long.MAX_VALUE;
    for (List<Request> rs : inFlight.values()) {
      Request o = rs.size() == 1 ? rs.get(0) : null;
      if (o != null && idle.stream().anyMatch(s -> s != o.by)) {
        at = Math.min(at, overdueNanos(o));
      }
    }
    if (at == Long.MAX_VALUE || (recheckTimer >= 0 && recheckAtNanos <= at)) {
      return;
    }
    if (recheckTimer >= 0) {
      vertx.cancelTimer(recheckTimer);
    }
    recheckAtNanos = at;
    recheckTimer = vertx.setTimer(Math.max(1, (at - System.nanoTime()) / 1_000_000 + 1), t -> {
      synchronized (this) {
        recheckTimer = -1;
      }
      pump();
    });
  }

  private void send(Request r) {
    long len = chunks.length(r.chunk, info.bytes());
    long expectedMs = (long) (r.by.secondsPerChunk() * 1000) * DEPTH;
    long bound = Math.max(floorMs, 4 * expectedMs);
    Http.getRange(http, upstream.segmentUrl(r.by.source.baseUrl(), info.segmentId()), bound, CdnHeaders.PEER_REQUEST,
        requesterId, chunks.offset(r.chunk), (int) len, req -> {
          boolean cancel;
          synchronized (this) {
            r.http = req;
            cancel = r.cancelled;
          }
          if (cancel) {
            req.reset();
          }
        }, r.by.source.edge() ? null : priority.header()).onComplete(ar -> {
          finished(r, ar, bound);
          pump();
        });
  }

  private void finished(Request r, AsyncResult<Http.Answer> ar, long boundMs) {
    Source src = r.by.source;
    String label = (src.edge() ? "edge " : "peer ") + src.id() + " chunk " + r.chunk;
    String failure = null;
    long retryAfterMs = 0;
    boolean bad = false;
    String sha = null;
    Buffer body = null;
    long busySince;
    synchronized (this) {
      busySince = r.by.busySinceNanos;
      r.by.active.remove(r);
      List<Request> rs = inFlight.get(r.chunk);
      if (rs != null) {
        rs.remove(r);
        if (rs.isEmpty()) {
          inFlight.remove(r.chunk);
        }
      }
      if (done.future().isComplete() || r.cancelled) {
        return;
      }
    }
    // Outside the lock: hashing is the costly part.
    if (ar.failed()) {
      failure = Http.reason(ar.cause(), boundMs);
      bad = ar.cause() instanceof Http.BodyTooLarge;
    } else {
      Http.Answer a = ar.result();
      long offset = chunks.offset(r.chunk);
      int len = chunks.length(r.chunk, info.bytes());
      String range = a.header("Content-Range");
      if (a.status() != 206) {
        failure = String.valueOf(a.status());
        retryAfterMs = SegmentFetcher.retryAfterMs(a.header("Retry-After"));
      } else if (range == null || !range.startsWith("bytes " + offset + "-" + (offset + len - 1) + "/")
          || a.body().length() != len) {
        failure = "206 of another range (" + range + ", " + a.body().length() + " bytes)";
        bad = true;
      } else {
        body = a.body();
        sha = SegmentFetcher.sha256(body);
        if (!sha.equals(chunks.sha256().get(r.chunk))) {
          failure = "sha256 mismatch";
          bad = true;
        }
      }
    }
    Result result = null;
    boolean report = false;
    synchronized (this) {
      if (done.future().isComplete()) {
        return;
      }
      if (failure == null) {
        if (got[r.chunk] == null) {
          got[r.chunk] = body;
          received++;
          r.by.bytes += body.length();
          r.by.busyBytes += body.length();
          rates.sample(src.id(), r.by.busyBytes, System.nanoTime() - busySince);
          report = true;
          // The other copy of this chunk is no longer needed.
          List<Request> others = inFlight.get(r.chunk);
          if (others != null) {
            List.copyOf(others).forEach(this::drop);
          }
          if (received == got.length) {
            result = complete();
          }
        }
      } else {
        trail.add(label + ": " + failure);
        wrongBytes |= bad;
        r.by.dead = true;
        // Its other request is dropped too: one failure is reported once, its chunk re-planned.
        List.copyOf(r.by.active).forEach(this::drop);
        replan();
        if (liveCount() == 0 && !edgeJoined) {
          joinEdge("no holder left");
        }
      }
    }
    if (report) {
      listener.served(src, body.length());
    } else if (failure != null) {
      if (bad && sha != null) {
        listener.badChunk(src, r.chunk, chunks.sha256().get(r.chunk), sha);
      } else {
        listener.unavailable(src, failure, retryAfterMs);
      }
    }
    if (result != null) {
      done.tryComplete(result);
      return;
    }
    synchronized (this) {
      checkFailed();
    }
  }

  /** Cancels a request no longer needed: out of the books, and reset if already sent. */
  private void drop(Request o) {
    o.cancelled = true;
    o.by.active.remove(o);
    List<Request> same = inFlight.get(o.chunk);
    if (same != null) {
      same.remove(o);
      if (same.isEmpty()) {
        inFlight.remove(o.chunk);
      }
    }
    if (o.http != null) {
      o.http.reset();
    }
  }

  /** Fails the download when no source is left and nothing is in flight. */
  private void checkFailed() {
    if (!done.future().isComplete() && received < got.length && liveCount() == 0 && inFlight.isEmpty()) {
      cancelTimer();
      done.tryFail(new Incomplete(info.segmentId() + ": " + (got.length - received) + " of " + got.length
          + " chunks missing, every source failed", trail, wrongBytes));
    }
  }

  /** Joins the chunks and checks the whole segment. */
  private Result complete() {
    cancelTimer();
    Buffer whole = Buffer.buffer((int) info.bytes());
    for (Buffer b : got) {
      whole.appendBuffer(b);
    }
    inFlight.values().stream().flatMap(List::stream).toList().forEach(this::drop);
    String sha = SegmentFetcher.sha256(whole);
    if (!sha.equals(info.sha256())) {
      // The chunk hashes and the segment hash disagree: the manifest, not a holder, is wrong.
      done.tryFail(new Incomplete(info.segmentId() + ": the chunks pass their hashes but the segment's SHA-256 is "
          + sha + ", not " + info.sha256(), trail, true));
      return null;
    }
    Map<String, Long> by = new LinkedHashMap<>();
    sources.values().stream().filter(s -> s.bytes > 0).forEach(s -> by.put(s.source.id(), s.bytes));
    return new Result(whole, by, requests, List.copyOf(trail));
  }

  private void cancelTimer() {
    if (deadlineTimer >= 0) {
      vertx.cancelTimer(deadlineTimer);
      deadlineTimer = -1;
    }
    if (recheckTimer >= 0) {
      vertx.cancelTimer(recheckTimer);
      recheckTimer = -1;
    }
  }

  /**
   * The chunks received from the segment's start with none missing between them, joined (each
   * verified against its hash): what a hedge keeps when it takes the download over and asks an edge
   * for the rest. Empty when the first chunk has not arrived.
   */
  public synchronized Buffer receivedPrefix() {
    Buffer prefix = Buffer.buffer();
    for (Buffer chunk : got) {
      if (chunk == null) {
        break;
      }
      prefix.appendBuffer(chunk);
    }
    return prefix;
  }

  /**
   * Stops the download (its segment came from elsewhere first): every request in flight is reset
   * and the future fails with {@link Incomplete}; no source is blamed. Nothing once it is done.
   */
  public void abort(String why) {
    synchronized (this) {
      if (done.future().isComplete()) {
        return;
      }
      cancelTimer();
      sources.values().forEach(s -> s.queue.clear());
      inFlight.values().stream().flatMap(List::stream).toList().forEach(this::drop);
      trail.add("aborted: " + why);
      done.tryFail(new Incomplete(info.segmentId() + ": " + why, trail, false));
    }
  }

  /** Ids of the sources that joined (holders, then the edge if it did). */
  public synchronized Collection<String> sourceIds() {
    return List.copyOf(sources.keySet());
  }
}
