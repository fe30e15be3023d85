package dev.hybridcdn.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.contract.manifest.ManifestJson;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kept documents and new song versions (SongPublished), against a stand-in origin on loopback. */
class OriginDocumentsTest {
  Vertx vertx;
  HttpServer server;
  OriginClient client;
  OriginDocuments documents;
  final AtomicLong version = new AtomicLong(1);
  final AtomicInteger requests = new AtomicInteger();
  /** When set, the next manifest request is answered only when this promise completes. */
  final AtomicReference<Promise<Void>> hold = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(this::answer).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = new OriginClient(vertx, "http://127.0.0.1:" + server.actualPort(), Duration.ofSeconds(5),
        Duration.ofSeconds(1), "", dev.hybridcdn.servicekit.tls.TlsSettings.off());
    documents = new OriginDocuments(client, Duration.ofMinutes(10), Duration.ofDays(1), 100, 1 << 20,
        new SimpleMeterRegistry());
  }

  private void answer(HttpServerRequest req) {
    requests.incrementAndGet();
    String body = ManifestJson.write(new Manifest("demo", "Demo", 1000, version.get(), List.of()));
    Promise<Void> held = hold.getAndSet(null);
    Future<Void> ready = held == null ? Future.succeededFuture() : held.future();
    ready.onComplete(x -> req.response().putHeader("Content-Type", "application/json").end(body));
  }

  @AfterEach
  void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aNewerVersionDropsTheKeptManifestAnEqualOneDoesNot() throws Exception {
    assertThat(await(documents.manifest("demo")).version()).isEqualTo(1);
    version.set(2);
    assertThat(await(documents.manifest("demo")).version()).as("kept for the TTL").isEqualTo(1);
    assertThat(documents.published("demo", 1)).isFalse();
    assertThat(documents.published("demo", 2)).isTrue();
    assertThat(await(documents.manifest("demo")).version()).isEqualTo(2);
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void anAnswerToARequestSentBeforeTheSongWasPublishedAgainIsServedButNotKept() throws Exception {
    Promise<Void> gate = Promise.promise();
    hold.set(gate);
    Future<Manifest> inFlight = documents.manifest("demo"); // asks the origin while version 1 is current
    await(vertx.timer(200)); // the request has reached the stand-in
    version.set(2);
    documents.published("demo", 2); // SongPublished arrives while the old answer is on its way
    gate.complete();
    assertThat(await(inFlight).version()).isEqualTo(1);
    // A caller in the instant before the finished flight is forgotten still shares its answer; after
    // that the origin is asked again. Had the old answer been kept, version 1 would stay 10 minutes.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(await(documents.manifest("demo")).version()).isEqualTo(2));
    assertThat(requests.get()).isGreaterThanOrEqualTo(2);
  }
}
