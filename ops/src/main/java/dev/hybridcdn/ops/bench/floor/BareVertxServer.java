package dev.hybridcdn.ops.bench.floor;

import dev.hybridcdn.contract.http.ContentTypes;
import dev.hybridcdn.peer.cache.CachedSegment;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The framework's floor in the {@code serve} comparison: a Vert.x core HTTP server on one event loop (as
 * nginx has one worker) that answers {@code GET} of one path with one segment's bytes and the headers the
 * edge and the peer send with them ({@code Content-Type}, {@code ETag}, {@code Accept-Ranges}), from an
 * off-heap buffer written without a copy as the peer's cache is ({@link CachedSegment#offHeap}), and
 * {@code /health}; nothing else: no router, no token, no event, no meter. What it costs per answer is
 * what Vert.x and Netty cost before any of this project's code, so the edge's and the peer's gap to it is
 * ours, and its own gap to nginx the framework's.
 *
 * <p>Run by {@code bench.ServeProcesses} as a JVM of its own, from the environment: {@code HTTP_PORT},
 * {@code BIND_HOST}, {@code BARE_SEGMENT_FILE} (the bytes to serve) and {@code BARE_SEGMENT_PATH} (the
 * request path that gets them; every other path is a 404).
 */
public final class BareVertxServer {
  private BareVertxServer() {}

  /**
   * Starts the server and returns; the JVM runs until it is stopped.
   *
   * @throws IllegalArgumentException when a variable is missing
   * @throws java.io.IOException when the file cannot be read
   */
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(required("HTTP_PORT"));
    String host = System.getenv().getOrDefault("BIND_HOST", "127.0.0.1");
    Path file = Path.of(required("BARE_SEGMENT_FILE"));
    String path = required("BARE_SEGMENT_PATH");
    byte[] bytes = Files.readAllBytes(file);
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    Buffer body = CachedSegment.offHeap(path, Buffer.buffer(bytes), sha256).bytes();
    CharSequence type = HttpHeaders.createOptimized(ContentTypes.SEGMENT);
    CharSequence etag = HttpHeaders.createOptimized("\"" + sha256 + "\"");
    CharSequence ranges = HttpHeaders.createOptimized("bytes");
    // One event loop, as nginx has one worker (two made no difference on 2 cores: ops/MEASUREMENTS.md).
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    // The edge's server options (EdgeServer), so the two differ only in what runs per request.
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true)
        .setCompressionSupported(false).setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
    vertx.createHttpServer(options).requestHandler(req -> {
      if (req.method() == HttpMethod.GET && path.equals(req.path())) {
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, type).putHeader(HttpHeaders.ETAG, etag)
            .putHeader(HttpHeaders.ACCEPT_RANGES, ranges).end(body);
      } else if ("/health".equals(req.path())) {
        req.response().end("UP");
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen().toCompletionStage().toCompletableFuture().get();
  }

  private static String required(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(name + " is not set");
    }
    return v;
  }
}
