package dev.hybridcdn.servicekit.network;

import io.vertx.core.net.NetSocket;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Nodes cut off from the rest of an emulated network (seed 000 6.2.2, "network partition"): no
 * connection between a cut-off node and any other node is accepted, and the ones open when it is
 * cut are closed. A node talking to itself (a player on its own peer) and clients that are not
 * nodes (the tracker's, the CLI's) are not affected: the partition is between nodes. Thread-safe.
 */
final class Partition {
  /** One proxied connection: its two node addresses and both sockets of the front. */
  private record Open(String client, String server, NetSocket in, NetSocket out) {}

  private final Set<String> cut = ConcurrentHashMap.newKeySet();
  private final Map<NetSocket, Open> open = new ConcurrentHashMap<>();

  /** True when a connection between these two node addresses must not be made now. */
  boolean separates(String clientAddress, String serverAddress) {
    return !cut.isEmpty() && (cut.contains(clientAddress) || cut.contains(serverAddress));
  }

  /** Remembers an open connection between two distinct nodes until {@link #closed}. */
  void opened(String clientAddress, String serverAddress, NetSocket in, NetSocket out) {
    open.put(in, new Open(clientAddress, serverAddress, in, out));
  }

  void closed(NetSocket in) {
    open.remove(in);
  }

  /**
   * Cuts these node addresses off and closes their open connections.
   *
   * @return connections closed
   */
  int cut(Collection<String> addresses) {
    cut.addAll(addresses);
    int closed = 0;
    for (Open o : open.values()) {
      if (cut.contains(o.client()) || cut.contains(o.server())) {
        open.remove(o.in());
        o.in().close();
        o.out().close();
        closed++;
      }
    }
    return closed;
  }

  /** Joins these node addresses to the network again. */
  void heal(Collection<String> addresses) {
    cut.removeAll(addresses);
  }

  /** Node addresses cut off now. */
  Set<String> cutOff() {
    return Set.copyOf(cut);
  }
}
