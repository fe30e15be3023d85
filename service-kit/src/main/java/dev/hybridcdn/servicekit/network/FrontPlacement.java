package dev.hybridcdn.servicekit.network;

/** Where {@link ShapedNetwork#install(NetworkModel, FrontPlacement)} runs the shaping fronts. */
public enum FrontPlacement {
  /** In this JVM, on the shaper's own event loops (the default). */
  THIS_JVM,
  /**
   * In a child JVM of their own (same class path), driven over its standard input and output. Each
   * connection through a front costs two sockets in each process instead of four in one, so a JVM
   * hosting a thousand peers stays within its open-file limit (ops README, 6.1.3).
   */
  CHILD_PROCESS
}
