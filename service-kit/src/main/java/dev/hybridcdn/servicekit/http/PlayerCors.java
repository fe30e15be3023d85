package dev.hybridcdn.servicekit.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * CORS for players in a browser: hls.js on a web page fetches playlists and segments from peers
 * and edges of another origin, and reads the CDN's own headers only when they are exposed (Fetch
 * standard, "CORS protocol"). Any origin may read ({@code Access-Control-Allow-Origin: *}: the
 * content is public and no credentials are used); a preflight ({@code OPTIONS}, sent for a
 * {@code Range} request) is answered at once with {@code 204}, cached by the browser for a day.
 *
 * <p>Called from a router's first handler rather than mounted as an {@code OPTIONS} route: such a
 * route would match every path and turn the router's 404 for an unknown GET path into a 405.
 */
public final class PlayerCors {
  // Pre-encoded ASCII: put on every answer, so not validated and encoded again for each.
  private static final CharSequence ALLOW_ORIGIN = HttpHeaders.createOptimized("Access-Control-Allow-Origin");
  private static final CharSequence EXPOSE_HEADERS = HttpHeaders.createOptimized("Access-Control-Expose-Headers");
  private static final CharSequence ANY = HttpHeaders.createOptimized("*");

  private PlayerCors() {}

  /**
   * Adds the CORS headers to the response of {@code ctx}.
   *
   * @param exposedHeaders the value of {@code Access-Control-Expose-Headers}, comma-separated names
   * @return true when the request was a preflight and has been answered (the caller stops there)
   */
  public static boolean apply(RoutingContext ctx, String exposedHeaders) {
    headers(ctx.response(), exposedHeaders);
    if (ctx.request().method() != HttpMethod.OPTIONS) {
      return false;
    }
    ctx.response().setStatusCode(204).putHeader("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        .putHeader("Access-Control-Allow-Headers", "Range").putHeader("Access-Control-Max-Age", "86400").end();
    return true;
  }

  /**
   * The CORS headers of an answer that is not a preflight, for a handler without a router.
   *
   * @param exposedHeaders the value of {@code Access-Control-Expose-Headers}, comma-separated names
   */
  public static void headers(HttpServerResponse response, CharSequence exposedHeaders) {
    response.putHeader(ALLOW_ORIGIN, ANY).putHeader(EXPOSE_HEADERS, exposedHeaders);
  }
}
