package dev.hybridcdn.peer.relay;

import dev.hybridcdn.contract.http.CdnHeaders;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.fetch.SegmentFetcher;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.token.UpstreamTokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.util.ArrayList;
import java.util.List;

/**
 * One step along a relay path: the bytes of a segment from the next node of the path, verified
 * against the manifest's size and SHA-256. The next node is asked
 * <ul>
 *   <li>through the {@link Mailbox} when it is the holder and attached here (it is behind NAT);</li>
 *   <li>directly ({@code GET /segments/{id}} as a peer) when it is the holder;</li>
 *   <li>as a relay ({@code GET /relay/segments/{id}?path=<the rest>}) otherwise, and its
 *       {@value CdnHeaders#PATH} answer says which nodes the bytes really travelled.</li>
 * </ul>
 */
public final class RelayHops {
  /** What a relayed segment's path has before the segment's own path ({@code /segments/...}). */
  public static final String RELAY_PREFIX = "/relay";
  /** Path of {@link RelayRoute}'s segment route, the segment id after it. */
  public static final String RELAY_SEGMENTS_PREFIX = RELAY_PREFIX + CdnPaths.SEGMENTS_PREFIX;

  /**
   * Verified bytes and the nodes they travelled from the next node on (the next node first, the
   * source last).
   */
  public record Relayed(Buffer bytes, String sha256, List<String> path) {}

  /** A step that failed; {@code wrongBytes} when a node sent bytes failing the check. */
  public static final class HopFailed extends RuntimeException {
    private final boolean wrongBytes;

    public HopFailed(String message, boolean wrongBytes) {
      super(message, null, false, false);
      this.wrongBytes = wrongBytes;
    }

    public boolean wrongBytes() {
      return wrongBytes;
    }
  }

  private final HttpClient http;
  private final PeerDirectory directory;
  private final Mailbox mailbox;
  private final String self;
  private final UpstreamTokens upstream;

  /** @param upstream signs each hop's request when player tokens are on (the next hop checks it) */
  public RelayHops(HttpClient http, PeerDirectory directory, Mailbox mailbox, String self, UpstreamTokens upstream) {
    this.upstream = upstream;
    this.http = http;
    this.directory = directory;
    this.mailbox = mailbox;
    this.self = self;
  }

  /**
   * @param nodes the path beyond this peer: the next node first, the holder last (1 to {@code
   *     MAX_HOPS} ids, validated by the caller)
   * @param boundMs the whole step's bound, ms
   * @return fails with {@link HopFailed} (or a timeout) naming the node
   */
  public Future<Relayed> fetch(Manifest.Segment info, List<String> nodes, long boundMs) {
    String next = nodes.get(0);
    long deadline = System.currentTimeMillis() + boundMs;
    if (nodes.size() == 1 && mailbox.attached(next)) {
      return mailbox.request(next, info.segmentId(), boundMs).compose(b -> verified(info, b, List.of(next), next));
    }
    return directory.baseUrl(next, Math.max(1, boundMs / 4)).compose(url -> {
      if (url.isEmpty()) {
        return Future.failedFuture(new HopFailed("no address known for " + next, false));
      }
      String target = nodes.size() == 1 ? upstream.segmentUrl(url.get(), info.segmentId())
          : withQuery(upstream.segmentUrl(url.get() + RELAY_PREFIX, info.segmentId()),
              "path=" + String.join(",", nodes.subList(1, nodes.size())));
      long left = Math.max(1, deadline - System.currentTimeMillis());
      return Http.getCapped(http, target, left, CdnHeaders.PEER_REQUEST, self, SegmentFetcher.bodyCap(info))
          .compose(a -> {
            if (a.status() != 200) {
              return Future.failedFuture(new HopFailed(next + " answered " + a.status(), false));
            }
            return verified(info, a.body(), travelled(a.header(CdnHeaders.PATH), nodes), next);
          });
    });
  }

  private static String withQuery(String url, String param) {
    return url + (url.indexOf('?') < 0 ? "?" : "&") + param;
  }

  /**
   * The nodes a relay's answer says the bytes travelled: its {@value CdnHeaders#PATH} when that is a
   * valid path starting at the relay and no longer than asked (a relay answering from its own cache
   * names only itself), else the path asked for.
   */
  static List<String> travelled(String header, List<String> asked) {
    if (header == null || asked.size() == 1) {
      return asked;
    }
    List<String> got = new ArrayList<>();
    for (String s : header.split(",")) {
      String id = s.strip();
      if (!Ids.isNodeId(id) || got.contains(id)) {
        return asked;
      }
      got.add(id);
    }
    return !got.isEmpty() && got.size() <= asked.size() && got.get(0).equals(asked.get(0)) ? got : asked;
  }

  private static Future<Relayed> verified(Manifest.Segment info, Buffer body, List<String> path, String next) {
    if (body.length() > SegmentFetcher.bodyCap(info)) {
      return Future.failedFuture(new HopFailed(next + " sent " + body.length() + " bytes, over the manifest's "
          + info.bytes(), true));
    }
    String sha = SegmentFetcher.sha256(body);
    if (!sha.equals(info.sha256())) {
      return Future.failedFuture(new HopFailed(next + " sent wrong bytes (sha256 " + sha + ")", true));
    }
    return Future.succeededFuture(new Relayed(body, sha, path));
  }
}
