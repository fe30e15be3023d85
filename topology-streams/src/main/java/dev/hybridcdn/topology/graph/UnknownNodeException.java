package dev.hybridcdn.topology.graph;

/** A query named a node the graph does not hold (never seen, left, expired, or all its links dropped). */
public final class UnknownNodeException extends RuntimeException {
  private final String nodeId;

  public UnknownNodeException(String nodeId) {
    super("unknown node: " + nodeId, null, false, false);
    this.nodeId = nodeId;
  }

  public String nodeId() {
    return nodeId;
  }
}
