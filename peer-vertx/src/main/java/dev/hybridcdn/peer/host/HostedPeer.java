package dev.hybridcdn.peer.host;

import io.vertx.core.json.JsonObject;

/** One peer running in a {@link PeerHost}: what ops and tests need to reach and inspect it. */
public interface HostedPeer {
  /** Peer id, e.g. {@code peer-3}. */
  String id();

  String region();

  /** The HTTP port it listens on. */
  int port();

  /** Base URL other peers and players use, e.g. {@code http://127.0.0.1:9003}. */
  String baseUrl();

  /** The {@code /status} document (cache, uploads, links). */
  JsonObject status();
}
