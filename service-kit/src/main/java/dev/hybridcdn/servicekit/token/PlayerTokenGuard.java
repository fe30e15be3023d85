package dev.hybridcdn.servicekit.token;

import dev.hybridcdn.servicekit.http.ApiError;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The player-route check of edges and peers: every request under the given path patterns must carry a
 * valid {@value PlayerTokens#PARAM} query parameter ({@link PlayerTokens}), else the ApiError envelope:
 * 401 {@code token_missing} (with {@code WWW-Authenticate}), 403 {@code token_malformed},
 * {@code token_tampered}, {@code token_expired} or {@code token_wrong_path}. CORS preflights
 * ({@code OPTIONS}) pass: browsers send them without the query's meaning, and they carry no content.
 */
public final class PlayerTokenGuard {
  private final PlayerTokens tokens;
  private final String stripPrefix;

  private PlayerTokenGuard(PlayerTokens tokens, String stripPrefix) {
    this.tokens = tokens;
    this.stripPrefix = stripPrefix;
  }

  /**
   * Mounts the check ahead of the routes added after it, on each pattern (Vert.x route paths such as
   * {@code /hls/*}). No-op when {@code tokens} is null (player tokens off).
   */
  public static void install(Router router, PlayerTokens tokens, String... patterns) {
    if (tokens == null) {
      return;
    }
    PlayerTokenGuard guard = new PlayerTokenGuard(tokens, "");
    for (String p : patterns) {
      router.route(p).handler(guard::check);
    }
  }

  /**
   * The same check on a route that serves another route's content under a prefix (a peer's
   * {@code /relay/segments/...} serves what {@code /segments/...} does): the token's ACL is matched
   * against the path without {@code stripPrefix}, so a song's token opens its relayed segments and
   * nothing else. No-op when {@code tokens} is null.
   */
  public static void installUnder(Router router, PlayerTokens tokens, String stripPrefix, String pattern) {
    if (tokens == null) {
      return;
    }
    router.route(pattern).handler(new PlayerTokenGuard(tokens, stripPrefix)::check);
  }

  /** The request's token, or null: what a served playlist passes on to the URIs inside it. */
  public static String tokenOf(RoutingContext ctx) {
    return ctx.request().getParam(PlayerTokens.PARAM);
  }

  private void check(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.OPTIONS) {
      ctx.next();
      return;
    }
    // normalizedPath: what the routes matched, so /hls/a/../b cannot pass under a token for /hls/a/
    String path = ctx.normalizedPath();
    if (!stripPrefix.isEmpty()) {
      path = path.startsWith(stripPrefix) ? path.substring(stripPrefix.length()) : stripPrefix + path;
    }
    PlayerTokens.Verdict v = tokens.check(tokenOf(ctx), path);
    if (v == PlayerTokens.Verdict.OK) {
      ctx.next();
      return;
    }
    if (v.status() == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Token realm=\"hybrid-cdn\", param=\"" + PlayerTokens.PARAM + "\"");
    }
    new ApiError(v.status(), v.code(), v.message()).send(ctx);
  }
}
