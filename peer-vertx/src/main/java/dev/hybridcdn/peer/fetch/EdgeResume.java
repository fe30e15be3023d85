package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.fetch.multisource.ChunkedDownload;
import dev.hybridcdn.peer.fetch.multisource.SourceRates;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A waiting player's hedge that takes the transfer under way over instead of racing it with a whole
 * copy: the bytes already received from the segment's start are kept (a single holder's 200 body so
 * far, or a chunked download's first chunks, each verified by its hash), the transfer is stopped (its
 * holders not blamed), and the best edge is asked for {@code Range: bytes=<received>-} only (RFC 9110
 * section 14.2), like a download manager resuming a broken transfer elsewhere. The edge's bytes and
 * this peer's downlink then carry the missing part once (issue 13: hedges were 60% of the hybrid's
 * player latency and 20 MB of edge egress in a full {@code cdn eval}). The joined copy is checked
 * against the manifest's SHA-256; anything wrong (not 206, a wrong {@code Content-Range} or length, a
 * mismatch), or nothing received yet, fetches the whole segment instead. Counted in the {@link
 * FetchLedger}'s {@code hedge_resumed}, {@code hedge_resume_failed} and {@code hedge_whole}.
 * Thread-safe.
 */
final class EdgeResume {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeResume.class);

  /** A holder's 200 being received: {@code owner} identifies the fetch, {@code stop} ends it without blame. */
  private record Sending(String holderId, Object owner, Runnable stop, Http.Transfer transfer) {}

  /** A chunked download under way; {@code stop} ends its fetch without blame. */
  private record Downloading(ChunkedDownload download, Runnable stop) {}

  private final HttpClient http;
  private final UpstreamTokens upstream;
  private final String peerId;
  private final long edgeTimeoutMs;
  private final LinkTable links;
  private final Function<Manifest.Segment, Future<SegmentFetcher.Fetched>> whole;
  private final FetchLedger ledger;
  private final SourceRates edgeRates;
  private final AtomicLong downloadedBytes;
  private final SegmentFetcher.PeerUploadsToUs reciprocity;
  private final Map<String, Sending> sending = new ConcurrentHashMap<>();
  private final Map<String, Downloading> downloading = new ConcurrentHashMap<>();

  /**
   * @param peerId sent as {@value CdnHeaders#PEER_REQUEST}
   * @param edgeTimeoutMs bound of the range request ({@code EDGE_TIMEOUT_MS}), ms
   * @param links the rest is asked of their best edge that is up
   * @param whole the whole segment from the edges (by RTT), counted by the caller: a hedge with
   *     nothing to resume
   * @param edgeRates told the edge's throughput for the rest (hits only)
   * @param downloadedBytes counts the bytes kept from a holder and the edge's
   * @param reciprocity told the bytes a holder sent before its transfer was taken over
   */
  EdgeResume(HttpClient http, UpstreamTokens upstream, String peerId, long edgeTimeoutMs, LinkTable links,
      Function<Manifest.Segment, Future<SegmentFetcher.Fetched>> whole, FetchLedger ledger, SourceRates edgeRates,
      AtomicLong downloadedBytes, SegmentFetcher.PeerUploadsToUs reciprocity) {
    this.http = http;
    this.upstream = upstream;
    this.peerId = peerId;
    this.edgeTimeoutMs = edgeTimeoutMs;
    this.links = links;
    this.whole = whole;
    this.ledger = ledger;
    this.edgeRates = edgeRates;
    this.downloadedBytes = downloadedBytes;
    this.reciprocity = reciprocity;
  }

  /** A holder's 200 for the segment is arriving ({@link Http#getCapped}'s {@code receiving}). */
  void sending(String segmentId, String holderId, Object owner, Runnable stop, Http.Transfer transfer) {
    sending.put(segmentId, new Sending(holderId, owner, stop, transfer));
  }

  /** The request of {@code owner} for the segment ended (whatever its outcome). */
  void ended(String segmentId, Object owner) {
    sending.computeIfPresent(segmentId, (k, s) -> s.owner() == owner ? null : s);
  }

  /** A chunked download of the segment runs until {@code ends} completes. */
  void downloading(String segmentId, ChunkedDownload download, Runnable stop, Future<?> ends) {
    Downloading d = new Downloading(download, stop);
    downloading.put(segmentId, d);
    ends.onComplete(ar -> downloading.remove(segmentId, d));
  }

  /**
   * The hedge of a waiting player's segment: what the transfer under way received, the rest from the
   * best edge that is up; the whole segment when there is nothing to keep, no edge is up or the rest
   * cannot be had.
   */
  Future<SegmentFetcher.Fetched> hedge(Manifest.Segment info) {
    String id = info.segmentId();
    Link edge = links.bestEdge();
    Sending held = sending.remove(id);
    if (edge != null && held != null) {
      return held.transfer().take(held.stop()).transform(taken -> {
        if (taken.failed()) {
          return wholeCopy(info); // the holder's transfer ended meanwhile
        }
        downloadedBytes.addAndGet(taken.result().length());
        reciprocity.received(held.holderId(), taken.result().length());
        return resume(info, taken.result(), held.holderId(), edge);
      });
    }
    Downloading chunked = edge == null ? null : downloading.get(id);
    Buffer chunks = chunked == null ? null : chunked.download().receivedPrefix();
    if (chunks != null && chunks.length() > 0) {
      chunked.stop().run(); // its chunks were counted as they came
      return resume(info, chunks, "the chunked download", edge);
    }
    return wholeCopy(info);
  }

  private Future<SegmentFetcher.Fetched> wholeCopy(Manifest.Segment info) {
    ledger.count(FetchLedger.Event.HEDGE_WHOLE);
    return whole.apply(info);
  }

  private Future<SegmentFetcher.Fetched> resume(Manifest.Segment info, Buffer prefix, String from, Link edge) {
    long started = System.nanoTime();
    return rest(info, prefix, edge).transform(ar -> {
      if (ar.failed()) {
        ledger.count(FetchLedger.Event.HEDGE_RESUME_FAILED);
        LOG.debug("{}: {} bytes from {} not completed at {}: {}", info.segmentId(), prefix.length(), from,
            edge.id(), ar.cause().toString());
        return wholeCopy(info);
      }
      SegmentFetcher.Fetched f = ar.result();
      long edgeBytes = info.bytes() - prefix.length();
      downloadedBytes.addAndGet(edgeBytes);
      if (f.tier() == Tier.EDGE) {
        edgeRates.sample(edge.url(), edgeBytes, System.nanoTime() - started);
      }
      ledger.count(FetchLedger.Event.HEDGE_RESUMED);
      ledger.fetched(FetchLedger.Purpose.HEDGE, f.tier(), edgeBytes);
      return Future.succeededFuture(f);
    });
  }

  /**
   * Asks {@code edge} for the bytes after {@code prefix} and checks the joined segment.
   *
   * @return the whole segment, its tier and source the edge's ({@code X-Cache: MISS}: origin); fails
   *     with an {@link IllegalStateException} naming what was wrong, or the request's error
   */
  private Future<SegmentFetcher.Fetched> rest(Manifest.Segment info, Buffer prefix, Link edge) {
    long from = prefix.length();
    long total = info.bytes();
    if (from >= total) {
      return Future.failedFuture(new IllegalStateException("nothing left: " + from + " of " + total + " bytes"));
    }
    int length = (int) (total - from);
    return Http.getRange(http, upstream.segmentUrl(edge.url(), info.segmentId()), edgeTimeoutMs,
        CdnHeaders.PEER_REQUEST, peerId, from, length, null, null).compose(resp -> {
          String expected = "bytes " + from + "-" + (total - 1) + "/" + total;
          if (resp.status() != 206 || !expected.equals(resp.header("Content-Range"))
              || resp.body().length() != length) {
            return Future.failedFuture(new IllegalStateException("edge " + edge.id() + " answered " + resp.status()
                + " " + resp.header("Content-Range") + " with " + resp.body().length() + " bytes, not " + expected));
          }
          Buffer joined = Buffer.buffer((int) total).appendBuffer(prefix).appendBuffer(resp.body());
          String sha = SegmentFetcher.sha256(joined);
          if (!sha.equals(info.sha256())) {
            return Future.failedFuture(new IllegalStateException("the joined copy's sha256 " + sha + " is not "
                + info.sha256()));
          }
          String servedBy = resp.header(CdnHeaders.SERVED_BY);
          String sourceId = Ids.isNodeId(servedBy) ? servedBy : edge.id();
          boolean miss = "MISS".equalsIgnoreCase(resp.header(CdnHeaders.CACHE));
          return Future.succeededFuture(new SegmentFetcher.Fetched(CachedSegment.offHeap(info.segmentId(), joined, sha),
              miss ? Tier.ORIGIN : Tier.EDGE, sourceId, miss ? 2 : 1, 2));
        });
  }
}
