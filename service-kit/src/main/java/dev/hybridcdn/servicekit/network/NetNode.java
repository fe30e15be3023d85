package dev.hybridcdn.servicekit.network;

/**
 * A node of an emulated network: its own loopback address, which its servers listen on (behind
 * the shaper) and its clients connect from, so the shaper knows both ends of every connection.
 *
 * @param id node id (peer id, edge id, {@code origin})
 * @param kind peer, edge or origin
 * @param region its region (a key of {@link NetworkModel#regions()})
 * @param address its loopback address, {@code 127.0.x.y}
 * @param uplinkBps upload rate, bit/s
 * @param downlinkBps download rate, bit/s
 * @param acceptsInbound false: a peer behind NAT, which other peers cannot connect to
 */
public record NetNode(String id, NodeKind kind, String region, String address, double uplinkBps, double downlinkBps,
    boolean acceptsInbound) {}
