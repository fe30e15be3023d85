package dev.hybridcdn.topology.graph;

import dev.hybridcdn.schemas.events.NodeKind;

/**
 * One visible change of the overlay graph, as pushed to {@code /ws/topology} subscribers.
 * Links are undirected here: {@code from} is the lexicographically smaller id.
 */
public sealed interface GraphChange {
  /** A node appeared or its kind/region changed. {@code region} may be null (not known yet). */
  record NodeUpserted(String id, NodeKind kind, String region) implements GraphChange {}

  /** A node left, expired, or lost its last link (nodes only known through links). */
  record NodeRemoved(String id) implements GraphChange {}

  /** A link appeared or its RTT (ms, mean of both measured directions) changed. */
  record LinkUpserted(String from, String to, double rttMs) implements GraphChange {}

  /** A link dropped out (no direction measured any more: TTL, leave or expiry). */
  record LinkRemoved(String from, String to) implements GraphChange {}
}
