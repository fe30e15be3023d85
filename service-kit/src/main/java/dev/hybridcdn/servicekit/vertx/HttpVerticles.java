package dev.hybridcdn.servicekit.vertx;

import dev.hybridcdn.servicekit.network.NetNode;
import dev.hybridcdn.servicekit.network.ShapedNetwork;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one event-loop scaling idiom of every service: {@code instances} copies of an HTTP server
 * verticle on one port, each on its own event loop (Vert.x shares the listening socket between
 * them). Each instance gets its own request handler from {@code handler}, so per-router state is
 * never shared across event loops.
 */
public final class HttpVerticles {
  private HttpVerticles() {}

  /**
   * A running deployment: its id (for {@code vertx.undeploy}) and the port clients use (a front's,
   * when a {@link ShapedNetwork} fronts it, on {@code frontHost}; null otherwise), and whether it
   * serves HTTPS.
   */
  public record Deployed(String deploymentId, int port, String frontHost, boolean tls) {
    public Deployed(String deploymentId, int port, boolean tls) {
      this(deploymentId, port, null, tls);
    }

    /** {@code http(s)://host:port}, the scheme this deployment serves. */
    public String url(String host) {
      return (tls ? "https" : "http") + "://" + host + ":" + port;
    }

    /** Stops every instance (and the front); completes when all listening sockets are closed. */
    public Future<Void> undeploy(Vertx vertx) {
      ShapedNetwork network = ShapedNetwork.installed();
      if (frontHost != null && network != null) {
        return network.closeFront(frontHost, port).eventually(() -> vertx.undeploy(deploymentId));
      }
      return vertx.undeploy(deploymentId);
    }
  }

  /**
   * Deploys {@code instances} HTTP servers on {@code options}' host and port and waits for them to
   * listen. Port 0 picks one free port first, so every instance shares it. Call from a thread that
   * is not an event loop.
   *
   * @param instances 1 or more, typically one per core
   * @param handler makes one request handler (usually a router) per instance
   * @param timeout how long binding may take
   * @throws IllegalStateException naming {@code what} and the port when it cannot bind in time
   */
  public static Deployed deploy(Vertx vertx, HttpServerOptions options, int instances,
      Supplier<Handler<HttpServerRequest>> handler, Duration timeout, String what) {
    return deploy(vertx, options, TlsSettings.off(), instances, handler, timeout, what);
  }

  /**
   * The same, serving HTTPS from {@code tls}'s PEM files when it has them ({@code TLS_CERT_FILE},
   * {@code TLS_KEY_FILE}; every service passes its {@code CommonConfig.tls()}), plain HTTP otherwise.
   * Under an emulated network the shaping front relays TCP bytes, so TLS passes through it and the
   * handshake pays the front's latency like any other bytes.
   */
  public static Deployed deploy(Vertx vertx, HttpServerOptions options, TlsSettings tls, int instances,
      Supplier<Handler<HttpServerRequest>> handler, Duration timeout, String what) {
    options = tls.server(new HttpServerOptions(options));
    if (instances < 1) {
      throw new IllegalArgumentException("instances must be at least 1, got " + instances);
    }
    ShapedNetwork network = ShapedNetwork.installed();
    NetNode node = network == null ? null : network.node(options.getHost());
    if (node != null) {
      // An emulated network's node: the server on 127.0.0.1, its shaping front on the node's address.
      HttpServerOptions inner = new HttpServerOptions(options).setHost("127.0.0.1").setPort(freePort("127.0.0.1"));
      String id = Blocking.await(vertx.deployVerticle(() -> new HttpVerticle(inner, handler.get()),
          new DeploymentOptions().setInstances(instances)), timeout, what + " could not listen on port " + inner.getPort());
      return new Deployed(id, network.front(node, options.getPort(), inner.getPort()), node.address(), tls.serving());
    }
    int port = options.getPort() == 0 ? freePort(options.getHost()) : options.getPort();
    HttpServerOptions bound = new HttpServerOptions(options).setPort(port);
    String id = Blocking.await(vertx.deployVerticle(() -> new HttpVerticle(bound, handler.get()),
        new DeploymentOptions().setInstances(instances)), timeout, what + " could not listen on port " + port);
    return new Deployed(id, port, tls.serving());
  }

  /**
   * A TCP port free on {@code host} now, for a server that must know its port before it binds (a
   * Streams app's {@code application.server}).
   *
   * @throws UncheckedIOException when no port can be had on {@code host}
   */
  public static int freePort(String host) {
    try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host, e);
    }
  }

  private static final class HttpVerticle extends VerticleBase {
    private final HttpServerOptions options;
    private final Handler<HttpServerRequest> handler;

    HttpVerticle(HttpServerOptions options, Handler<HttpServerRequest> handler) {
      this.options = options;
      this.handler = handler;
    }

    @Override
    public Future<?> start() {
      return vertx.createHttpServer(options).requestHandler(handler).listen();
    }
  }
}
