package dev.hybridcdn.ops.stack;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP forwarder on a fixed loopback port to a server on another port. {@code cdn up} uses it to
 * answer on Kafka's default port 9092 for the embedded broker, which binds a free port: a Kafka
 * client only bootstraps through 9092 and then connects to the broker's advertised address
 * ({@code localhost:<port>}) directly, so forwarding the bootstrap connection is enough on this
 * machine.
 */
public final class PortForwarder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PortForwarder.class);

  private final Vertx vertx;
  private final NetServer server;

  private PortForwarder(Vertx vertx, NetServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  /**
   * Listens on {@code 127.0.0.1:port} and forwards each connection to {@code host:targetPort}.
   *
   * @throws IllegalStateException when the port cannot be bound (something else listens there)
   */
  public static PortForwarder start(int port, String host, int targetPort) {
    Vertx vertx = Vertx.vertx();
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5000).setTcpNoDelay(true));
    NetServer server = vertx.createNetServer().connectHandler(in -> {
      in.pause();
      client.connect(targetPort, host).onSuccess(out -> {
        pipe(in, out);
        pipe(out, in);
        in.resume();
      }).onFailure(e -> {
        LOG.warn("forward {} -> {}:{} failed: {}", port, host, targetPort, e.toString());
        in.close();
      });
    });
    try {
      server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return new PortForwarder(vertx, server);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("cannot listen on 127.0.0.1:" + port + " (in use?): " + e.getMessage(), e);
    }
  }

  private static void pipe(NetSocket from, NetSocket to) {
    from.pipeTo(to).onFailure(e -> to.close());
  }

  /** Stops listening and closes every forwarded connection. */
  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("port forwarder did not stop cleanly: {}", e.toString());
    }
  }
}
