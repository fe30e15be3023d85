package dev.hybridcdn.peer.route;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One peer's relay attempts as a requester, by holder id: how often a segment was asked of a
 * holder through relays ({@link PathRouter#viaRelay}: its direct connection failed, or it is known
 * to need a relay) and how often the verified bytes arrived. {@code cdn eval} sums them over the
 * holders the emulated network puts behind NAT (issue 15's goal: such peers still deliver at least
 * half of what they are asked for), counting a copy a relay already held apart. Thread-safe; holders are bounded by the swarm's size.
 */
public final class RelayCounts {
  /**
   * Relay attempts at one holder: asked, delivered (the holder's own bytes arrived, the path's last
   * node being the holder) and answered from a copy a relay on the path already held.
   */
  public record Tally(long asked, long delivered, long relayCopies) {}

  private final Map<String, AtomicLong[]> byHolder = new ConcurrentHashMap<>();

  void asked(String holderId) {
    tally(holderId)[0].incrementAndGet();
  }

  /** @param fromHolder false when a relay answered from its own copy */
  void delivered(String holderId, boolean fromHolder) {
    tally(holderId)[fromHolder ? 1 : 2].incrementAndGet();
  }

  private AtomicLong[] tally(String holderId) {
    return byHolder.computeIfAbsent(holderId, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong(), new AtomicLong()});
  }

  /** Every holder asked through relays so far, by id (sorted). */
  public Map<String, Tally> byHolder() {
    Map<String, Tally> out = new TreeMap<>();
    byHolder.forEach((id, t) -> out.put(id, new Tally(t[0].get(), t[1].get(), t[2].get())));
    return out;
  }
}
