package dev.hybridcdn.servicekit.identity;

import dev.hybridcdn.servicekit.http.ApiError;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Predicate;

/**
 * Requests between the instances of a cluster (issue 16, item 5): the tracker's {@code /internal/*}
 * routes and the queries one instance forwards to another. The caller adds {@value #HEADER}:
 * {@code <unix ms>:<hex HMAC-SHA256(key, METHOD \n path?query \n unix ms)>}, where the key is derived from
 * {@code CLUSTER_SECRET} ({@code HMAC(secret, "cluster-request-key")}, so the secret itself serves one
 * purpose per key, as the event keys do); the receiver accepts it within {@value #WINDOW_MS} ms of its
 * own clock either way.
 *
 * <p>Why a MAC rather than the secret in a header, or trusting loopback: the instances of a tracker run on
 * several hosts under docker compose (a network, not loopback), and a header carrying the secret would hand
 * it to whatever it reaches (a proxy's log, a mis-forward). The MAC binds method, path, query and time, so a
 * captured header opens nothing else and expires in a minute; a replay within that minute repeats a
 * read-only query. Without a secret the check is off (the routes are open, as before issue 16).
 */
public final class ClusterRequests {
  /** Header carrying the time and MAC. */
  public static final String HEADER = "X-CDN-Cluster-Auth";
  /** Accepted clock difference, either way, ms. */
  public static final long WINDOW_MS = 60_000;
  private static final HexFormat HEX = HexFormat.of();

  private final HmacSha256 key;

  private ClusterRequests(byte[] secret) {
    this.key = new HmacSha256(new HmacSha256(secret).mac("cluster-request-key".getBytes(StandardCharsets.US_ASCII)));
  }

  /** From the settings: null when no {@code CLUSTER_SECRET} is set (no check, nothing signed). */
  public static ClusterRequests of(TrustSettings trust) {
    return trust.clusterSecret() == null ? null : new ClusterRequests(trust.clusterSecret());
  }

  /**
   * The header value for a request made now.
   *
   * @param method e.g. {@code GET}
   * @param uri path and query as sent, e.g. {@code /internal/local/content?song=demo}
   */
  public String sign(String method, String uri) {
    return sign(method, uri, System.currentTimeMillis());
  }

  String sign(String method, String uri, long nowMs) {
    return nowMs + ":" + HEX.formatHex(mac(method, uri, nowMs));
  }

  /**
   * Null when the header authenticates the request, else why not (for the 401's message).
   *
   * @param header {@value #HEADER}'s value, null when absent
   */
  public String refusal(String method, String uri, String header, long nowMs) {
    if (header == null) {
      return "missing " + HEADER + " (cluster-internal request)";
    }
    int colon = header.indexOf(':');
    long at;
    byte[] given;
    try {
      at = Long.parseLong(header, 0, Math.max(0, colon), 10);
      given = HEX.parseHex(header, colon + 1, header.length());
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      return HEADER + " is not <unix ms>:<hex HMAC-SHA256>";
    }
    if (!MessageDigest.isEqual(given, mac(method, uri, at))) {
      return HEADER + " does not match this request under this cluster's secret";
    }
    if (Math.abs(nowMs - at) > WINDOW_MS) {
      return HEADER + " is " + (nowMs - at) + " ms old, outside +-" + WINDOW_MS + " ms";
    }
    return null;
  }

  /**
   * A route handler: requests {@code applies} selects need a valid header (else 401
   * {@code cluster_auth_required}), others pass. With {@code requests} null (no secret) everything passes.
   */
  public static Handler<RoutingContext> guard(ClusterRequests requests, Predicate<RoutingContext> applies) {
    return ctx -> {
      if (requests != null && applies.test(ctx)) {
        String why = requests.refusal(ctx.request().method().name(), ctx.request().uri(),
            ctx.request().getHeader(HEADER), System.currentTimeMillis());
        if (why != null) {
          new ApiError(401, "cluster_auth_required", why).send(ctx);
          return;
        }
      }
      ctx.next();
    };
  }

  private byte[] mac(String method, String uri, long atMs) {
    return key.mac((method + "\n" + uri + "\n" + atMs).getBytes(StandardCharsets.UTF_8));
  }
}
