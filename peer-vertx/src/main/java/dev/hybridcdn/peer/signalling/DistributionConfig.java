package dev.hybridcdn.peer.signalling;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Signalling and song distribution settings of a peer host (issue 15 items 2-3), read once.
 *
 * @param signallingUrl {@code SIGNALLING_URL} ({@code ws://} or {@code wss://}, e.g.
 *     {@code ws://127.0.0.1:8090/ws/signalling}), else derived from {@code TOPOLOGY_URL}
 *     ({@code http://host:port} -> {@code ws://host:port/ws/signalling}); empty when neither is set:
 *     no signalling, no distribution, today's behaviour
 * @param cacheShare {@code PUSH_CACHE_SHARE}, default 0.1 (0 to 1): the share of {@code CACHE_BYTES}
 *     that pushed segments the peer has not played may fill; orders beyond it are skipped
 * @param uplinkShare {@code PUSH_UPLINK_SHARE}, default 0.5 (0 to 1): the share of {@code UPLOAD_SLOTS}
 *     (rounded up, at least 1 when above 0) that may upload pushed segments at once; 0 = they are
 *     never uploaded (the peer only keeps them for its own players)
 * @param retry {@code SIGNALLING_RETRY_MS}, default 500 ms (10 ms to 1 min): first reconnect delay,
 *     doubled per failure up to {@link #MAX_RETRY}
 */
public record DistributionConfig(Optional<URI> signallingUrl, double cacheShare, double uplinkShare, Duration retry) {
  /** The longest wait between two connection attempts. */
  public static final Duration MAX_RETRY = Duration.ofSeconds(30);

  /** Signalling off. */
  public static DistributionConfig off() {
    return new DistributionConfig(Optional.empty(), 0.1, 0.5, Duration.ofMillis(500));
  }

  /** @throws ConfigException naming the first bad variable */
  public static DistributionConfig from(Env env) {
    Optional<URI> url = Optional.empty();
    String raw = env.raw("SIGNALLING_URL");
    if (raw != null && !raw.isBlank()) {
      url = Optional.of(wsUrl("SIGNALLING_URL", raw.strip()));
    } else if (env.raw("TOPOLOGY_URL") != null && !env.raw("TOPOLOGY_URL").isBlank()) {
      String topology = env.httpUrl("TOPOLOGY_URL", null);
      url = Optional.of(URI.create(topology.replaceFirst("^http", "ws") + "/ws/signalling"));
    }
    return new DistributionConfig(url, env.decimal("PUSH_CACHE_SHARE", 0.1, 0, 1),
        env.decimal("PUSH_UPLINK_SHARE", 0.5, 0, 1),
        env.millis("SIGNALLING_RETRY_MS", Duration.ofMillis(500), Duration.ofMillis(10), Duration.ofMinutes(1)));
  }

  public boolean enabled() {
    return signallingUrl.isPresent();
  }

  /** Upload slots that may serve pushed segments at once, of {@code slots}. */
  public int pushedUploadSlots(int slots) {
    return uplinkShare <= 0 ? 0 : Math.max(1, (int) Math.ceil(slots * uplinkShare));
  }

  private static URI wsUrl(String name, String v) {
    try {
      URI u = new URI(v);
      if (("ws".equals(u.getScheme()) || "wss".equals(u.getScheme())) && u.getHost() != null) {
        return u;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    throw new ConfigException(name, v, "a ws:// or wss:// URL such as ws://127.0.0.1:8090/ws/signalling");
  }
}
