package dev.hybridcdn.ops.swarm;

/**
 * Starts and stops peers during a swarm run (in-process stacks only: {@code cdn demo}).
 */
public interface Churn {
  /**
   * Starts a new peer; blocks until it serves and has announced itself.
   *
   * @return the new peer
   */
  PeerRef join() throws Exception;

  /**
   * Stops a peer.
   *
   * @param clean true: a clean shutdown (PeerLeft, the tracker forgets it at once); false: a crash
   *     (no event; the tracker expires it after its TTL)
   */
  void leave(String peerId, boolean clean) throws Exception;
}
