package dev.hybridcdn.edge;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP forwarder on a fixed loopback port that a test can cut ({@link #stop()}: listener closed,
 * open connections dropped) and restore ({@link #start()}), to take a real Redis or origin away from
 * an edge and give it back without restarting either.
 */
final class TcpProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final NetClient client = vertx.createNetClient();
  private final int targetPort;
  private final int port;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private NetServer server;

  TcpProxy(int targetPort) throws Exception {
    this.targetPort = targetPort;
    this.port = dev.hybridcdn.testkit.LocalPorts.free();
    start();
  }

  int port() {
    return port;
  }

  synchronized void start() throws Exception {
    if (server != null) {
      return;
    }
    server = vertx.createNetServer().connectHandler(in -> {
      in.pause();
      open.add(in);
      client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          in.close();
          return;
        }
        NetSocket out = ar.result();
        open.add(out);
        in.handler(out::write);
        out.handler(in::write);
        in.closeHandler(v -> { out.close(); open.remove(in); });
        out.closeHandler(v -> { in.close(); open.remove(out); });
        in.resume();
      });
    });
    server.listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  synchronized void stop() throws Exception {
    if (server == null) {
      return;
    }
    server.close().await(10, TimeUnit.SECONDS);
    server = null;
    for (NetSocket s : open) {
      s.close();
    }
    open.clear();
  }

  @Override
  public void close() throws Exception {
    stop();
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
