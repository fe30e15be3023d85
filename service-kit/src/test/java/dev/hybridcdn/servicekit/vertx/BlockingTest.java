package dev.hybridcdn.servicekit.vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BlockingTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Every service's own Vert.x runs on epoll here (the machines CI and users run on: Linux x86-64), and serves. */
  @Test
  void aServicesOwnVertxRunsOnTheNativeTransportAndServes() {
    assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"),
        "the packaged native transport is Linux x86-64's");
    AtomicReference<Vertx> owned = new AtomicReference<>();
    String body = Blocking.onOwnVertx(vertx -> {
      owned.set(vertx);
      HttpServer server = Blocking.await(vertx.createHttpServer().requestHandler(r -> r.response().end("up"))
          .listen(0, "127.0.0.1"), WAIT, "listen");
      return Blocking.await(vertx.createHttpClient().request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
          .compose(req -> req.send()).compose(HttpClientResponse::body), WAIT, "GET").toString();
    });
    try {
      assertThat(owned.get().isNativeTransportEnabled())
          .as("native transport unavailable: %s", owned.get().unavailableNativeTransportCause()).isTrue();
      assertThat(body).isEqualTo("up");
    } finally {
      Blocking.await(owned.get().close(), WAIT, "close");
    }
  }
}
