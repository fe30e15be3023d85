package dev.hybridcdn.servicekit.network;

import java.util.Map;

/**
 * What an emulated network's fronts have done and hold now, taken at once ({@link ShapedNetwork#stats()}).
 *
 * @param connections connections the fronts accepted so far
 * @param refused refused (NAT, partitions) so far
 * @param resets reset by the model's reset rate so far
 * @param open shaped connections open now (between two distinct nodes)
 * @param openByLink connections open now by "client kind -> server kind", {@code unshaped} for the rest
 * @param openFiles file descriptors the fronts' own process holds now; -1 when they run in this JVM
 */
public record FrontStats(long connections, long refused, long resets, long open, Map<String, Long> openByLink,
    long openFiles) {}
