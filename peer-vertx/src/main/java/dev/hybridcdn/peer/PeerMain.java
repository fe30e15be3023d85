package dev.hybridcdn.peer;

import dev.hybridcdn.peer.host.HostedPeer;
import dev.hybridcdn.peer.host.PeerHost;
import dev.hybridcdn.servicekit.ServiceMain;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar peer-vertx.jar}: runs {@code PEER_COUNT} peers (default 1) configured from the
 * environment ({@link PeerHostConfig}, {@link PeerConfig}). SIGTERM stops every peer cleanly
 * (PeerLeft). A bad variable prints its message and exits with status 2.
 */
public final class PeerMain {
  private PeerMain() {}

  public static void main(String[] args) {
    ServiceMain.run("peer", PeerHostConfig::from, config -> {
      PeerHost host = PeerHost.start(config);
      for (HostedPeer p : host.peers()) {
        LoggerFactory.getLogger(PeerMain.class).info("peer {} in {} at {}", p.id(), p.region(), p.baseUrl());
      }
      return host;
    });
  }
}
