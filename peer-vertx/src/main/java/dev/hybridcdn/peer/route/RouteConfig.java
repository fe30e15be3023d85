package dev.hybridcdn.peer.route;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;

/**
 * Path-aware routing and relays of one peer (issue 15, items 1 and 4).
 *
 * @param topologyUrl {@code TOPOLOGY_URL}: topology-streams, asked {@code GET /path?metric=rtt}
 *     for the RTT-shortest path to each holder; empty = off (the tracker's ranking as before)
 * @param topologyTimeout {@code TOPOLOGY_TIMEOUT_MS} (100): how long a fetch waits for path
 *     answers before ranking with what it has; later answers still fill the cache
 * @param pathCache {@code TOPOLOGY_CACHE_MS} (10000): how long a path (or its absence) is reused
 * @param acceptsInbound {@code ACCEPTS_INBOUND} (true): false for a peer behind NAT that other
 *     peers cannot connect to; it then serves them through its relay
 * @param relayUrl {@code RELAY_URL}: base URL of the peer a NAT'd peer keeps an outbound poll to
 *     (required when {@code ACCEPTS_INBOUND=false} and P2P is on); empty otherwise
 * @param relayTimeout {@code RELAY_TIMEOUT_MS} (1000): a relay's wait for the next hop's bytes
 */
public record RouteConfig(String topologyUrl, Duration topologyTimeout, Duration pathCache, boolean acceptsInbound,
    String relayUrl, Duration relayTimeout) {
  /** At most this many hops from the answering peer to the holder (issue 15: bounded, 3). */
  public static final int MAX_HOPS = 3;
  /** Routing as before issue 15: no topology, reachable, no relay. */
  public static final RouteConfig OFF = new RouteConfig("", Duration.ofMillis(100), Duration.ofSeconds(10), true, "",
      Duration.ofMillis(1000));

  /** Reads the variables above; throws {@link ConfigException} naming the first bad one. */
  public static RouteConfig from(Env env) {
    String topology = env.raw("TOPOLOGY_URL") == null ? "" : env.httpUrl("TOPOLOGY_URL", "");
    boolean inbound = env.bool("ACCEPTS_INBOUND", true);
    String relay = env.raw("RELAY_URL") == null ? "" : env.httpUrl("RELAY_URL", "");
    if (!inbound && relay.isEmpty()) {
      throw new ConfigException("RELAY_URL", "", "a relay peer's base URL when ACCEPTS_INBOUND=false");
    }
    return new RouteConfig(topology,
        env.millis("TOPOLOGY_TIMEOUT_MS", Duration.ofMillis(100), Duration.ofMillis(1), Duration.ofMinutes(1)),
        env.millis("TOPOLOGY_CACHE_MS", Duration.ofSeconds(10), Duration.ZERO, Duration.ofHours(1)),
        inbound, relay,
        env.millis("RELAY_TIMEOUT_MS", Duration.ofMillis(1000), Duration.ofMillis(1), Duration.ofMinutes(1)));
  }

  /** True when holders are ranked by topology paths. */
  public boolean pathAware() {
    return !topologyUrl.isEmpty();
  }

  /** The same settings for a peer behind NAT that serves through the relay at {@code url}. */
  public RouteConfig behindNat(String url) {
    return new RouteConfig(topologyUrl, topologyTimeout, pathCache, false, url, relayTimeout);
  }

  /** The same settings asking the topology at {@code url}. */
  public RouteConfig withTopology(String url) {
    return new RouteConfig(url, topologyTimeout, pathCache, acceptsInbound, relayUrl, relayTimeout);
  }
}
