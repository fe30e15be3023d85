package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.cache.CachedSegment;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;

/**
 * The rest of a segment from an edge, after the bytes a slow holder already sent: the hedge of a
 * waiting player takes over the holder's transfer ({@link Http.Transfer#take}) and asks the edge for
 * {@code Range: bytes=<received>-} only (RFC 9110 section 14.2), like a download manager resuming a
 * broken transfer elsewhere. The edge's bytes and this peer's downlink then carry the missing part
 * once instead of the whole segment a second time beside the holder's (issue 13: hedges were 60% of
 * the hybrid's player latency and 20 MB of edge egress in a full {@code cdn eval}).
 */
final class EdgeResume {
  /** A resumed copy that could not be completed; the caller fetches the whole segment instead. */
  static final class Failed extends RuntimeException {
    Failed(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * A segment completed at an edge.
   *
   * @param fetched the whole segment, verified; its tier and source are the edge's ({@code X-Cache: MISS}: origin)
   * @param edgeBytes bytes the edge sent
   */
  record Resumed(SegmentFetcher.Fetched fetched, long edgeBytes) {}

  private final HttpClient http;
  private final UpstreamTokens upstream;
  private final String peerId;
  private final long edgeTimeoutMs;

  /**
   * @param peerId sent as {@value CdnHeaders#PEER_REQUEST}
   * @param edgeTimeoutMs bound of the range request ({@code EDGE_TIMEOUT_MS}), ms
   */
  EdgeResume(HttpClient http, UpstreamTokens upstream, String peerId, long edgeTimeoutMs) {
    this.http = http;
    this.upstream = upstream;
    this.peerId = peerId;
    this.edgeTimeoutMs = edgeTimeoutMs;
  }

  /**
   * Asks {@code edge} for the bytes after {@code prefix} and checks the joined segment against the
   * manifest's SHA-256.
   *
   * @param prefix the first bytes, as a holder sent them (unverified: a wrong prefix fails the check)
   * @param attempts sources tried before, for {@link SegmentFetcher.Fetched#attempts}
   * @return fails with {@link Failed} (not 206, a wrong {@code Content-Range} or length, a SHA-256
   *     mismatch) or the request's error; the edge is not marked down for a 200 (an edge may ignore
   *     Range), only by the caller's whole-segment fetch
   */
  Future<Resumed> rest(Manifest.Segment info, Buffer prefix, Link edge, int attempts) {
    long from = prefix.length();
    long total = info.bytes();
    if (from <= 0 || from >= total) {
      return Future.failedFuture(new Failed("nothing to resume: " + from + " of " + total + " bytes"));
    }
    int length = (int) (total - from);
    return Http.getRange(http, upstream.segmentUrl(edge.url(), info.segmentId()), edgeTimeoutMs,
        CdnHeaders.PEER_REQUEST, peerId, from, length, null).compose(resp -> {
          String expected = "bytes " + from + "-" + (total - 1) + "/" + total;
          if (resp.status() != 206 || !expected.equals(resp.header("Content-Range"))
              || resp.body().length() != length) {
            return Future.failedFuture(new Failed("edge " + edge.id() + " answered " + resp.status() + " "
                + resp.header("Content-Range") + " with " + resp.body().length() + " bytes, not " + expected));
          }
          Buffer whole = Buffer.buffer(length + prefix.length()).appendBuffer(prefix).appendBuffer(resp.body());
          String sha = SegmentFetcher.sha256(whole);
          if (!sha.equals(info.sha256())) {
            return Future.failedFuture(new Failed("the joined copy's sha256 " + sha + " is not " + info.sha256()));
          }
          String servedBy = resp.header(CdnHeaders.SERVED_BY);
          String sourceId = Ids.isNodeId(servedBy) ? servedBy : edge.id();
          boolean miss = "MISS".equalsIgnoreCase(resp.header(CdnHeaders.CACHE));
          return Future.succeededFuture(new Resumed(new SegmentFetcher.Fetched(
              CachedSegment.offHeap(info.segmentId(), whole, sha), miss ? Tier.ORIGIN : Tier.EDGE, sourceId,
              miss ? 2 : 1, attempts + 1), length));
        });
  }
}
