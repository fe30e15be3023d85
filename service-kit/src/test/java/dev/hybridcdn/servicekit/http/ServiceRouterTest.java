package dev.hybridcdn.servicekit.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.servicekit.vertx.Blocking;
import dev.hybridcdn.servicekit.vertx.HttpVerticles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceRouterTest {
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client = HttpClient.newHttpClient();

  @AfterEach
  void close() {
    Blocking.await(vertx.close(), Duration.ofSeconds(10), "close vertx");
  }

  @Test
  void twoInstancesShareOnePortWithManagementRoutesAndTheErrorEnvelope() throws Exception {
    Health health = new Health().required("self", () -> Future.succeededFuture(Health.Check.up("ok")));
    Metrics metrics = new Metrics();
    HttpVerticles.Deployed deployed = HttpVerticles.deploy(vertx, new HttpServerOptions().setHost("127.0.0.1").setPort(0), 2,
        () -> {
          var router = ServiceRouter.create(vertx, health, metrics);
          router.get("/hello").handler(ctx -> ctx.end("hi"));
          router.get("/bad").handler(ctx -> {
            throw ApiError.badRequest("invalid_thing", "thing is not valid");
          });
          return router;
        }, Duration.ofSeconds(10), "test server");
    assertNotEquals(0, deployed.port());

    assertEquals("UP", new JsonObject(get(deployed, "/health").body()).getString("status"));
    assertTrue(get(deployed, "/metrics").headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    assertEquals("hi", get(deployed, "/hello").body());

    HttpResponse<String> missing = get(deployed, "/nothing-here");
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", new JsonObject(missing.body()).getString("error"));

    HttpResponse<String> bad = get(deployed, "/bad");
    assertEquals(400, bad.statusCode());
    assertEquals("invalid_thing", new JsonObject(bad.body()).getString("error"));

    HttpResponse<String> wrongMethod = client.send(HttpRequest.newBuilder(uri(deployed, "/hello"))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, wrongMethod.statusCode());
    assertEquals("method_not_allowed", new JsonObject(wrongMethod.body()).getString("error"));

    Blocking.await(deployed.undeploy(vertx), Duration.ofSeconds(10), "undeploy");
  }

  private HttpResponse<String> get(HttpVerticles.Deployed d, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(d, path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(HttpVerticles.Deployed d, String path) {
    return URI.create("http://127.0.0.1:" + d.port() + path);
  }
}
