package dev.hybridcdn.servicekit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.servicekit.http.ApiError;
import dev.hybridcdn.servicekit.http.Health;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ApiErrorTest {
  private static Vertx vertx;
  private static HttpServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.get("/bad").handler(ctx -> {
      throw new ApiError(400, "invalid_segment_id", "segment id must be <songId>/<rendition>/<file>",
          List.of("demo/../x"));
    });
    router.get("/boom").handler(ctx -> {
      throw new IllegalStateException("bug");
    });
    Health health = new Health()
        .required("postgres", () -> Future.succeededFuture(Health.Check.up("ok")))
        .optional("redis", () -> Future.failedFuture(new RuntimeException("connection refused")));
    router.get("/health").handler(health::handle);
    ApiError.install(router);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyFailureIsTheJsonEnvelope() throws Exception {
    var bad = get("/bad");
    assertThat(bad.statusCode()).isEqualTo(400);
    JsonObject body = new JsonObject(bad.body());
    assertThat(body.getString("error")).isEqualTo("invalid_segment_id");
    assertThat(body.getJsonArray("details").getList()).containsExactly("demo/../x");

    var unknown = get("/nowhere");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(unknown.body()).getString("error")).isEqualTo("not_found");

    var boom = get("/boom");
    assertThat(boom.statusCode()).isEqualTo(500);
    assertThat(new JsonObject(boom.body()).getString("error")).isEqualTo("internal_error");
  }

  @Test
  void healthNamesTheDegradedDependency() throws Exception {
    var health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(health.body());
    assertThat(body.getString("status")).isEqualTo("DEGRADED");
    assertThat(body.getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("DOWN");
    assertThat(body.getJsonObject("checks").getJsonObject("redis").getString("detail")).contains("refused");
  }
}
