package dev.hybridcdn.ops.swarm;

/**
 * What players attach to: a peer, or (a traditional CDN) their region's edge.
 *
 * @param peerId e.g. {@code peer-7}
 * @param region e.g. {@code eu-west}
 * @param baseUrl e.g. {@code http://127.0.0.1:9006}, no trailing slash
 * @param playerAddress under an emulated network, the address the players attached to it connect
 *     from (their machine); null = the host of {@code baseUrl} (a player runs on its peer's machine)
 */
public record PeerRef(String peerId, String region, String baseUrl, String playerAddress) {
  public PeerRef(String peerId, String region, String baseUrl) {
    this(peerId, region, baseUrl, null);
  }
}
