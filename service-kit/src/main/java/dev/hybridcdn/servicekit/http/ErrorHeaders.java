package dev.hybridcdn.servicekit.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * One rule for every error answer of a service, whichever handler, failure or router default
 * wrote it: a cache must not keep it ({@code Cache-Control: no-store}, no {@code Age}: a 416, a 404
 * of something not yet published or a 503 is about this moment, RFC 9111 section 5.2.2.5), and a
 * 503 or 504 says when to come back ({@code Retry-After}, RFC 9110 section 10.2.3) unless its
 * handler said so already.
 */
public final class ErrorHeaders {
  private ErrorHeaders() {}

  /**
   * Applies the rule to the response of {@code ctx} just before its headers are written.
   *
   * @param retryAfterSeconds the default {@code Retry-After} of 503 and 504 answers, seconds
   */
  public static void install(RoutingContext ctx, long retryAfterSeconds) {
    String retryAfter = Long.toString(retryAfterSeconds);
    HttpServerResponse response = ctx.response();
    ctx.addHeadersEndHandler(v -> apply(response, retryAfter));
  }

  private static void apply(HttpServerResponse response, String retryAfter) {
    int status = response.getStatusCode();
    if (status < 400) {
      return;
    }
    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    response.headers().remove(HttpHeaders.AGE);
    if ((status == 503 || status == 504) && !response.headers().contains(HttpHeaders.RETRY_AFTER)) {
      response.putHeader(HttpHeaders.RETRY_AFTER, retryAfter);
    }
  }
}
