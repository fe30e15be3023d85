package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.peer.upload.UploadPriority;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** GET with a hard bound: the future fails after {@code timeoutMs} whatever the server does. */
public final class Http {
  private Http() {}

  /**
   * An answer read by {@link #getCapped}.
   *
   * @param body the whole body, at most the cap
   */
  public record Answer(int status, MultiMap headers, Buffer body) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** A body (declared or received) larger than the cap: the request was reset, the source is bad. */
  public static final class BodyTooLarge extends RuntimeException {
    public BodyTooLarge(long capBytes, long gotBytes) {
      super("body over " + capBytes + " bytes (" + gotBytes + (gotBytes > capBytes ? "" : "+") + ")", null, false,
          false);
    }
  }

  /**
   * A 200's body being received ({@link #getCapped} with a {@code receiving} listener). A hedge takes
   * what arrived so far instead of fetching the whole segment beside it: the edge is then asked only
   * for the rest, and the holder's transfer stops, so the two do not share the downlink.
   */
  public static final class Transfer {
    private final Context context;
    private final Buffer body;
    private final Promise<Answer> answer;
    /** Set and read on the connection's thread only. */
    private boolean taken;

    private Transfer(Context context, Buffer body, Promise<Answer> answer) {
      this.context = context;
      this.body = body;
      this.answer = answer;
    }

    /**
     * On the connection's own thread (the body grows there): stops appending, copies the bytes that
     * arrived, then runs {@code stop} (which resets the request: its future then fails, as the
     * caller's {@code stop} arranged).
     *
     * @return the bytes received so far (possibly none); fails with {@link IllegalStateException} when
     *     the transfer had already ended (complete, failed or reset): there is nothing to take over
     */
    public Future<Buffer> take(Runnable stop) {
      Promise<Buffer> prefix = Promise.promise();
      context.runOnContext(v -> {
        if (answer.future().isComplete()) {
          prefix.fail(new IllegalStateException("the transfer had ended"));
          return;
        }
        taken = true;
        Buffer copy = body.copy();
        stop.run();
        prefix.complete(copy);
      });
      return prefix.future();
    }
  }

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

  /**
   * A GET whose body may not exceed {@code capBytes}: a {@code Content-Length} above it, or more
   * bytes than that received, resets the stream at once (on HTTP/1.1 the connection is closed), so
   * a hostile or broken source cannot make the peer buffer without bound. Past {@code timeoutMs}
   * the request is reset too.
   *
   * @param timeoutMs total bound (connect, headers, body), ms
   * @param capBytes largest body accepted, bytes
   * @return fails with {@link BodyTooLarge}, {@link TimeoutException} or the connection's error
   */
  public static Future<Answer> getCapped(HttpClient client, String absoluteUrl, long timeoutMs, String headerName,
      String headerValue, long capBytes) {
    return getCapped(client, absoluteUrl, timeoutMs, headerName, headerValue, capBytes, null, null, null, null);
  }

  /**
   * {@link #getCapped}, telling {@code cancel} the request once it is sent, so it can be reset
   * when the body is no longer needed (a read-ahead whose segment came from the edge first).
   */
  public static Future<Answer> getCapped(HttpClient client, String absoluteUrl, long timeoutMs, String headerName,
      String headerValue, long capBytes, java.util.function.Consumer<HttpClientRequest> cancel) {
    return getCapped(client, absoluteUrl, timeoutMs, headerName, headerValue, capBytes, null, cancel, null, null);
  }

  /**
   * {@link #getCapped} of one byte range ({@code Range: bytes=offset-(offset+length-1)}, RFC 9110
   * section 14.2), capped at {@code length} bytes: the chunk requests of a multi-source download.
   * The caller checks for 206 and the {@code Content-Range}.
   *
   * @param cancel told the request once it is sent, so a duplicate request can be reset when another
   *     source's copy of the chunk arrived first; may be null
   * @param priority its {@code Priority} header ({@link dev.hybridcdn.peer.upload.UploadPriority#header}); null: none
   */
  public static Future<Answer> getRange(HttpClient client, String absoluteUrl, long timeoutMs, String headerName,
      String headerValue, long offset, int length, java.util.function.Consumer<HttpClientRequest> cancel,
      String priority) {
    return getCapped(client, absoluteUrl, timeoutMs, headerName, headerValue, length,
        "bytes=" + offset + "-" + (offset + length - 1), cancel, null, priority);
  }

  /**
   * {@link #getCapped}, telling {@code receiving} of the body once a 200's headers arrived: a hedge can
   * then take what came so far and ask an edge for the rest ({@link Transfer#take}).
   *
   * @param cancel told the request once it is sent, so it can be reset; may be null
   * @param receiving told of a 200's body being received; may be null
   * @param priority its {@code Priority} header ({@link dev.hybridcdn.peer.upload.UploadPriority#header}); null: none
   */
  public static Future<Answer> getCapped(HttpClient client, String absoluteUrl, long timeoutMs, String headerName,
      String headerValue, long capBytes, java.util.function.Consumer<HttpClientRequest> cancel,
      java.util.function.Consumer<Transfer> receiving, String priority) {
    return getCapped(client, absoluteUrl, timeoutMs, headerName, headerValue, capBytes, null, cancel, receiving,
        priority);
  }

  private static Future<Answer> getCapped(HttpClient client, String absoluteUrl, long timeoutMs, String headerName,
      String headerValue, long capBytes, String range, java.util.function.Consumer<HttpClientRequest> cancel,
      java.util.function.Consumer<Transfer> receiving, String priority) {
    long bound = Math.max(1, timeoutMs);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(absoluteUrl)
        .setConnectTimeout(bound).setIdleTimeout(bound);
    if (headerName != null) {
      options.putHeader(headerName, headerValue);
    }
    if (range != null) {
      options.putHeader("Range", range);
    }
    if (priority != null) {
      options.putHeader(UploadPriority.HEADER, priority);
    }
    HttpClientRequest[] sent = new HttpClientRequest[1];
    return client.request(options).compose(req -> {
      sent[0] = req;
      // A reset of our own (timeout, a duplicate chunk no longer needed) fails the future below;
      // without a handler Vert.x would also log it as an error.
      req.exceptionHandler(e -> { });
      if (cancel != null) {
        cancel.accept(req);
      }
      return req.send().compose(resp -> {
        Promise<Answer> answer = Promise.promise();
        String declared = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
        long length = parseLength(declared);
        if (length > capBytes) {
          req.reset();
          return Future.failedFuture(new BodyTooLarge(capBytes, length));
        }
        Buffer body = Buffer.buffer((int) Math.max(0, Math.min(length, capBytes)));
        Context context = Vertx.currentContext();
        Transfer transfer = receiving == null || resp.statusCode() != 200 || context == null ? null
            : new Transfer(context, body, answer);
        resp.handler(chunk -> {
          if (transfer != null && transfer.taken) {
            return; // taken by a hedge: the request is being reset
          }
          if (body.length() + chunk.length() > capBytes) {
            // failed before the reset, whose own stream error would otherwise win
            answer.tryFail(new BodyTooLarge(capBytes, (long) body.length() + chunk.length()));
            req.reset();
          } else {
            body.appendBuffer(chunk);
          }
        });
        resp.exceptionHandler(answer::tryFail);
        resp.endHandler(v -> {
          if (transfer != null && transfer.taken) {
            answer.tryFail(new IllegalStateException("taken over before its end")); // never a partial body
          } else {
            answer.tryComplete(new Answer(resp.statusCode(), resp.headers(), body));
          }
        });
        if (transfer != null) {
          receiving.accept(transfer);
        }
        return answer.future();
      });
    }).timeout(bound, TimeUnit.MILLISECONDS).onFailure(e -> {
      if (e instanceof TimeoutException && sent[0] != null) {
        sent[0].reset();
      }
    });
  }

  private static long parseLength(String header) {
    if (header == null) {
      return -1;
    }
    try {
      return Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** True when {@code e} is a request that ran past its bound (not a refusal or a reset). */
  public static boolean isTimeout(Throwable e) {
    return e instanceof TimeoutException || (e.getMessage() != null && e.getMessage().contains("imeout"));
  }

  /** A short reason for a failed attempt, for logs and 502 bodies. */
  public static String reason(Throwable e, long timeoutMs) {
    if (isTimeout(e)) {
      return "timeout after " + timeoutMs + " ms";
    }
    if (e instanceof BodyTooLarge) {
      return e.getMessage();
    }
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
