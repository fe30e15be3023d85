package dev.hybridcdn.peer.fetch;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** GET with a hard bound: the future fails after {@code timeoutMs} whatever the server does. */
public final class Http {
  private Http() {}

  /**
   * @param timeoutMs total bound (connect, headers, body), ms
   * @return the response with its body; fails with {@link TimeoutException} past the bound
   */
  public static Future<HttpResponse<Buffer>> get(WebClient client, String absoluteUrl, long timeoutMs,
      String headerName, String headerValue) {
    HttpRequest<Buffer> req = client.getAbs(absoluteUrl).timeout(Math.max(1, timeoutMs))
        .connectTimeout(Math.max(1, timeoutMs));
    if (headerName != null) {
      req.putHeader(headerName, headerValue);
    }
    return req.send().timeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
  }

  /** A short reason for a failed attempt, for logs and 502 bodies. */
  public static String reason(Throwable e, long timeoutMs) {
    if (e instanceof TimeoutException || (e.getMessage() != null && e.getMessage().contains("imeout"))) {
      return "timeout after " + timeoutMs + " ms";
    }
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
