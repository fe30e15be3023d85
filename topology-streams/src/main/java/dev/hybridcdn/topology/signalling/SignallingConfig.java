package dev.hybridcdn.topology.signalling;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;

/**
 * Settings of the signalling server ({@code WS /ws/signalling}), read once.
 *
 * @param enabled {@code SIGNALLING_ENABLED}, default true; false: no endpoint (404) and no Kafka followers
 * @param ratePerSecond {@code SIGNALLING_RATE}, default 20 (1 to 10,000): messages per second per
 *     connection (burst: twice that); more get {@code rate_limited} error frames
 * @param pushSegments {@code SIGNALLING_PUSH_SEGMENTS}, default 2 (0 to 100): first segments of each
 *     rendition pushed to a region without a new or hot song; 0 = no such pushes
 * @param pushPeers {@code SIGNALLING_PUSH_PEERS}, default 2 (1 to 100): peers per region that get them
 * @param hotRequests {@code SIGNALLING_HOT_REQUESTS}, default 20 (0 = off, to 1,000,000): player
 *     requests of a song within the window that make it hot
 * @param hotWindow {@code SIGNALLING_HOT_WINDOW_MS}, default 10,000 ms (100 ms to 1 h)
 */
public record SignallingConfig(boolean enabled, int ratePerSecond, int pushSegments, int pushPeers, int hotRequests,
    Duration hotWindow) {
  /**
   * @throws ConfigException naming the first variable with an invalid value
   */
  public static SignallingConfig from(Env env) {
    return new SignallingConfig(env.bool("SIGNALLING_ENABLED", true),
        env.integer("SIGNALLING_RATE", 20, 1, 10_000),
        env.integer("SIGNALLING_PUSH_SEGMENTS", 2, 0, 100),
        env.integer("SIGNALLING_PUSH_PEERS", 2, 1, 100),
        env.integer("SIGNALLING_HOT_REQUESTS", 20, 0, 1_000_000),
        env.millis("SIGNALLING_HOT_WINDOW_MS", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1)));
  }
}
