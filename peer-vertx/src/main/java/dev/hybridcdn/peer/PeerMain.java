package dev.hybridcdn.peer;

import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar peer-vertx.jar}: runs {@code PEER_COUNT} peers (default 1) configured from the
 * environment ({@link PeerHostConfig}, {@link PeerConfig}). SIGTERM stops every peer cleanly
 * (PeerLeft). A bad variable prints its message and exits with status 2.
 */
public final class PeerMain {
  private static final Logger LOG = LoggerFactory.getLogger(PeerMain.class);

  private PeerMain() {}

  public static void main(String[] args) throws InterruptedException {
    PeerHostConfig config;
    try {
      config = PeerHostConfig.from(Env.system());
    } catch (ConfigException e) {
      System.err.println("peer: " + e.getMessage());
      System.exit(2);
      return;
    }
    PeerHost host = PeerHost.start(config);
    for (HostedPeer p : host.peers()) {
      LOG.info("peer {} in {} at {}", p.id(), p.region(), p.baseUrl());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        host.close();
      } catch (RuntimeException e) {
        LOG.error("shutdown failed", e);
      } finally {
        stopped.countDown();
      }
    }, "peer-shutdown"));
    stopped.await();
  }
}
