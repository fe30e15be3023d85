package dev.hybridcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.testkit.LocalPorts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients against a real edge over real sockets: an idle connection and a reader that does
 * not read are closed, by {@code EDGE_IDLE_TIMEOUT_MS} and {@code EDGE_WRITE_TIMEOUT_MS}. Redis,
 * PostgreSQL and Kafka are absent (dead ports): the edge needs none of them for this.
 */
class EdgeConnectionsIT {
  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    try (EdgeServer edge = EdgeServer.start(config(Map.of("EDGE_IDLE_TIMEOUT_MS", "500")))) {
      // Kept alive after an answer, then silent.
      try (Socket socket = connect(edge, 64 * 1024)) {
        socket.getOutputStream().write("GET /ping HTTP/1.1\r\nHost: edge\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        long t0 = System.nanoTime();
        String received = new String(readToEnd(socket.getInputStream()).bytes(), StandardCharsets.US_ASCII);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(received).startsWith("HTTP/1.1 200").contains("\"edgeId\"");
        assertThat(ms).as("closed by the edge after 500 ms idle, not at once, not never").isBetween(300L, 5_000L);
      }
      // Connected and never a byte sent (a half-open or abandoned client looks the same).
      try (Socket socket = connect(edge, 64 * 1024)) {
        long t0 = System.nanoTime();
        assertThat(readToEnd(socket.getInputStream()).bytes()).isEmpty();
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(300L, 5_000L);
      }
    }
  }

  @Test
  void aReaderThatDoesNotReadIsDisconnectedAfterTheWriteTimeout() throws Exception {
    int size = 24 << 20; // far more than the kernel buffers on both sides of a loopback connection hold
    Vertx vertx = Vertx.vertx();
    Buffer catalogue = Buffer.buffer(new byte[size]);
    HttpServer origin = vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("Content-Type", "application/json").end(catalogue))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Map<String, String> env = new HashMap<>();
    env.put("ORIGIN_URL", "http://127.0.0.1:" + origin.actualPort());
    env.put("EDGE_WRITE_TIMEOUT_MS", "1000");
    env.put("EDGE_DOCUMENT_CACHE_BYTES", Integer.toString(2 * size));
    try (EdgeServer edge = EdgeServer.start(config(env))) {
      String base = "http://127.0.0.1:" + edge.port();
      assertThat(Http.get(base + "/songs").body()).hasSize(size); // a reader that reads gets it all
      double before = slowReaders(edge);
      try (Socket socket = connect(edge, 4096)) {
        socket.getOutputStream().write("GET /songs HTTP/1.1\r\nHost: edge\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        await("the edge gives up on the stalled reader").atMost(Duration.ofSeconds(15))
            .until(() -> slowReaders(edge) > before);
        // Aborted, not closed after the answer drained: the edge resets the connection (SO_LINGER 0),
        // dropping what the client has not taken. How many bytes reached the client before the
        // reset depends on the kernels' socket buffers, so the reset is what is asserted.
        Received got = readToEnd(socket.getInputStream());
        assertThat(got.reset()).as("the edge reset the connection (got %d bytes first)", got.bytes().length).isTrue();
      }
      assertThat(Http.get(base + "/ping").statusCode()).isEqualTo(200);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static double slowReaders(EdgeServer edge) {
    return edge.metrics().get("cdn.edge.slow.readers").counter().count();
  }

  private static EdgeConfig config(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_PORT", "0");
    env.put("EDGE_ID", "edge-conn");
    env.put("EDGE_EVENT_LOOPS", "1");
    env.put("ORIGIN_URL", "http://127.0.0.1:" + LocalPorts.dead());
    env.put("REDIS_URL", "redis://127.0.0.1:" + LocalPorts.dead());
    env.put("PGPORT", Integer.toString(LocalPorts.dead()));
    env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + LocalPorts.dead());
    env.putAll(overrides);
    return EdgeConfig.from(new Env(env));
  }

  private static Socket connect(EdgeServer edge, int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBuffer); // before connect, so the window is small from the start
    socket.setSoTimeout(10_000);
    socket.connect(new InetSocketAddress("127.0.0.1", edge.port()), 5_000);
    return socket;
  }

  /** What a client read before the connection ended, and whether it ended by a reset (not a FIN). */
  private record Received(byte[] bytes, boolean reset) {}

  /** Everything until the peer closes (EOF or reset); fails on the 10 s read timeout. */
  private static Received readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[64 * 1024];
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        out.write(chunk, 0, n);
      }
    } catch (SocketException reset) {
      return new Received(out.toByteArray(), true);
    }
    return new Received(out.toByteArray(), false);
  }
}
