package dev.hybridcdn.ops.swarm;

/**
 * A peer players can attach to.
 *
 * @param peerId e.g. {@code peer-7}
 * @param region e.g. {@code eu-west}
 * @param baseUrl e.g. {@code http://127.0.0.1:9006}, no trailing slash
 */
public record PeerRef(String peerId, String region, String baseUrl) {}
