package dev.hybridcdn.servicekit.network;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where an emulated network's fronts (the shaping TCP proxies) run: in this JVM ({@link LocalFronts})
 * or in a child JVM of their own ({@link FrontProcess}), chosen by {@link FrontPlacement}. Both apply
 * the same {@link NetworkModel} the same way; the child only moves the proxies' sockets, buffers and
 * pacing timers out of the JVM that hosts the nodes.
 */
interface Fronts extends AutoCloseable {
  /** Makes a node known, so connections from its address are shaped as its. */
  void add(NetNode node);

  /**
   * Starts a front on {@code node.address():port} relaying to {@code 127.0.0.1:targetPort}.
   *
   * @param port 0 picks a free port
   * @return the port it listens on
   * @throws IllegalStateException when it cannot listen within 10 s
   */
  int front(NetNode node, int port, int targetPort);

  /** Stops the front on {@code address:port}; one never started is no error. */
  Future<Void> closeFront(String address, int port);

  /** Cuts these node addresses off from every other node; returns the connections closed. */
  int cut(List<String> addresses);

  /** Joins these node addresses to the network again. */
  void heal(List<String> addresses);

  /** What the fronts have done and hold now. */
  FrontStats stats();

  @Override
  void close();
}
