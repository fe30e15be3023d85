package dev.hybridcdn.servicekit.network;

import java.util.Map;

/**
 * What an emulated network's fronts have done and hold now, taken at once ({@link ShapedNetwork#stats()}).
 *
 * @param connections connections the fronts accepted so far
 * @param refused refused (NAT, partitions) so far
 * @param resets reset by the model's reset rate so far
 * @param open shaped connections open now: between two distinct nodes, each counted once at the server's
 *     front (a player on its peer's machine and unknown clients are not counted)
 * @param openByLink connections open now by "client kind -> server kind", e.g. {@code PEER->EDGE}, and
 *     {@code unshaped} (a node talking to itself, unknown clients): where the sockets go. Each costs four
 *     sockets (client, front in, front out, server): all four in this JVM when the fronts run in it, two
 *     here and two in the fronts' process under {@link FrontPlacement#CHILD_PROCESS}
 * @param openFiles file descriptors the fronts' own process holds now; -1 when they run in this JVM
 */
public record FrontStats(long connections, long refused, long resets, long open, Map<String, Long> openByLink,
    long openFiles) {}
