package dev.hybridcdn.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.LocalPorts;
import dev.hybridcdn.testkit.PostgresExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PostgreSQL going away under a running origin (through a real TCP proxy in front of the real
 * server, which stops forwarding and holds connections silent), and an origin started without one.
 */
class OriginStorageDownIT {
  @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Vertx vertx;
  static NetServer proxy;
  static volatile boolean forwarding = true;
  static final Set<NetSocket> open = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void startProxy() {
    vertx = Vertx.vertx();
    proxy = vertx.createNetServer().connectHandler(client -> {
      open.add(client);
      client.closeHandler(v -> open.remove(client));
      if (!forwarding) {
        client.pause(); // a PostgreSQL that accepts and never answers
        return;
      }
      client.pause();
      vertx.createNetClient().connect(PG.port(), PG.host()).onSuccess(server -> {
        open.add(server);
        server.closeHandler(v -> {
          open.remove(server);
          client.close();
        });
        client.closeHandler(v -> {
          open.remove(client);
          server.close();
        });
        client.handler(server::write);
        server.handler(client::write);
        client.resume();
      }).onFailure(e -> client.close());
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
  }

  @AfterAll
  static void stop() {
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static OriginConfig config(int pgPort) {
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("PGHOST", PG.host());
    env.put("PGPORT", Integer.toString(pgPort));
    env.put("PGDATABASE", PG.database());
    env.put("PGUSER", PG.user());
    env.put("PGPASSWORD", PG.password());
    env.put("ORIGIN_DB_TIMEOUT_MS", "2500"); // generous: the test machine is shared and loaded
    return OriginConfig.from(new Env(env));
  }

  @Test
  void requestsAnswer503WithinTheBoundWhilePostgresIsAwayAndRecoverAfter() throws Exception {
    try (OriginServer origin = OriginServer.start(config(proxy.actualPort()))) {
      assertThat(get(origin, "/songs").statusCode()).isEqualTo(200);

      forwarding = false;
      open.forEach(NetSocket::close);
      for (String path : new String[] {"/songs", "/songs/demo", "/hls/demo/master.m3u8",
          "/segments/demo/128k/seg00000.ts"}) {
        HttpResponse<String> res = assertTimeoutPreemptively(Duration.ofSeconds(12), () -> get(origin, path), path);
        assertThat(res.statusCode()).as(path).isEqualTo(503);
        assertThat(new JsonObject(res.body()).getString("error")).as(path).isEqualTo("storage_unavailable");
      }
      HttpResponse<String> health = assertTimeoutPreemptively(Duration.ofSeconds(12), () -> get(origin, "/health"));
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(new JsonObject(health.body()).getJsonObject("checks").getJsonObject("postgresql").getString("status"))
          .isEqualTo("DOWN");
      assertThat(get(origin, "/ping").statusCode()).isEqualTo(200);

      forwarding = true;
      open.forEach(NetSocket::close); // the silent connections the pool holds
      await("origin answering again after PostgreSQL came back").atMost(Duration.ofSeconds(30)).until(
          () -> {
            try {
              return get(origin, "/songs").statusCode() == 200;
            } catch (Exception e) {
              return false;
            }
          });
    } finally {
      forwarding = true;
    }
  }

  @Test
  void startFailsWithAMessageNamingPostgresWhenItIsUnreachable() {
    int dead = LocalPorts.dead();
    assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        assertThatThrownBy(() -> OriginServer.start(config(dead))).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("PostgreSQL at " + PG.host() + ":" + dead + "/" + PG.database()));
  }

  private static HttpResponse<String> get(OriginServer origin, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(origin.baseUrl() + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
