package dev.hybridcdn.peer.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.servicekit.http.WriteTimeout;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A holder's paced uploads over real HTTP on loopback: the rate they leave at, urgent ones before background
 * ones, and the uplink freed when a requester goes away. The server answers {@code /<bytes>?priority=u} with
 * that many bytes through one {@link UploadPacer} at 1 Mbit/s (125,000 bytes/s); loopback adds well under a
 * millisecond, so the times are the pacer's. Tolerances: a transfer may end one slice (16 KiB, 131 ms at this
 * rate) plus 2 ms before its bytes' time, and up to 300 ms after it on a loaded 2-core machine.
 */
class UploadPacerTest {
  static final long RATE = 1_000_000; // bit/s: 125 bytes per ms
  static final long SLICE_MS = UploadPacer.SLICE_BYTES / 125;

  Vertx vertx;
  UploadPacer pacer;
  HttpClient client;
  int port;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    pacer = new UploadPacer(vertx, RATE);
    WriteTimeout writeTimeout = new WriteTimeout(5_000, () -> { });
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      int bytes = Integer.parseInt(req.path().substring(1));
      UploadPriority priority = UploadPriority.of(req.getHeader(UploadPriority.HEADER));
      pacer.send(req, Buffer.buffer(new byte[bytes]), priority, writeTimeout);
    });
    port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
    client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(8));
    await(fetch(1, UploadPriority.URGENT)); // the first exchange loads classes for hundreds of ms: not timed
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Asks for {@code bytes} and completes with the ms from now until the whole body arrived. */
  Future<Long> fetch(int bytes, UploadPriority priority) {
    return fetchUnderWay(bytes, priority).compose(body -> body);
  }

  /**
   * The same, completing first once the answer's head arrived (the server has the upload under way), with
   * the body's future.
   */
  Future<Future<Long>> fetchUnderWay(int bytes, UploadPriority priority) {
    long started = System.nanoTime();
    return client.request(HttpMethod.GET, port, "127.0.0.1", "/" + bytes).compose(req -> {
      if (priority.header() != null) {
        req.putHeader(UploadPriority.HEADER, priority.header());
      }
      return req.send();
    }).map(response -> response.body().map(body -> {
      assertThat(body.length()).isEqualTo(bytes);
      return (System.nanoTime() - started) / 1_000_000;
    }));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void anUploadLeavesAtTheGrantedRate() throws Exception {
    long ms = await(fetch(250_000, UploadPriority.URGENT));
    assertThat(ms).as("250,000 bytes at 125 bytes per ms: 2,000 ms").isBetween(2_000 - SLICE_MS - 2, 2_300L);
  }

  @Test
  void anUrgentUploadOvertakesBackgroundOnesUnderWay() throws Exception {
    Future<Long> first = await(fetchUnderWay(250_000, UploadPriority.BACKGROUND));
    Future<Long> second = fetch(250_000, UploadPriority.BACKGROUND); // its head waits for its first slice
    // both background uploads queued behind the uplink before the urgent one arrives
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> pacer.active() == 2);
    long urgent = await(fetch(50_000, UploadPriority.URGENT));
    // Shared fairly, the urgent upload would take a third of the uplink: 1,200 ms. First, 400 ms plus at
    // most the slice under way.
    assertThat(urgent).as("50,000 bytes at the whole rate").isBetween(400 - SLICE_MS - 2, 400 + SLICE_MS + 300);
    assertThat(await(first)).as("the first background upload, then delayed by 400 ms")
        .isBetween(2_400 - SLICE_MS - 2, 2_700L);
    assertThat(await(second)).as("the second, after the first: all 550,000 bytes")
        .isBetween(4_400 - SLICE_MS - 2, 4_700L);
  }

  @Test
  void aRequesterThatGoesAwayFreesTheUplinkForTheNext() throws Exception {
    long started = System.nanoTime();
    HttpClientRequest abandoned = await(client.request(HttpMethod.GET, port, "127.0.0.1", "/500000"));
    // its head arrived: the upload is under way; its body is cut by the close below
    await(abandoned.send()).exceptionHandler(e -> { });
    Future<Long> next = fetch(125_000, UploadPriority.URGENT);
    Thread.sleep(500);
    abandoned.connection().close();
    await(next);
    long ms = (System.nanoTime() - started) / 1_000_000;
    // The 500,000-byte upload came first and took the uplink for 4 s; its requester left after 500 ms. The
    // next one (1,000 ms of bytes) then has the uplink: it ends about 1,500 ms after the start, not 5,000.
    assertThat(ms).as("ms from the start to the next upload's end").isBetween(1_500 - SLICE_MS - 2, 1_900L);
  }
}
