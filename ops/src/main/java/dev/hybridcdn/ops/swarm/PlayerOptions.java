package dev.hybridcdn.ops.swarm;

import picocli.CommandLine.Option;

/**
 * {@code --players --speedup --seed --zipf}: the players of the demo and swarm commands. An option
 * not given keeps the command's own default.
 */
public final class PlayerOptions {
  @Option(names = "--players", description = "Simulated players (demo 100, quick 24; swarm 20).")
  Integer players;
  @Option(names = "--speedup", description = "Playback speed-up (default 20).")
  Double speedup;
  @Option(names = "--seed", description = "Random seed of songs, renditions, peers and churn (default 42).")
  Long seed;
  @Option(names = "--zipf", description = "Zipf exponent of song popularity (default 1.0).")
  Double zipf;

  /**
   * Checks the values given.
   *
   * @throws IllegalArgumentException naming the option when players is below 1 or speed-up not above 0
   */
  public void validate() {
    if (players != null && players < 1) {
      throw new IllegalArgumentException("--players must be at least 1: " + players);
    }
    if (speedup != null && !(speedup > 0)) {
      throw new IllegalArgumentException("--speedup must be above 0: " + speedup);
    }
  }

  /**
   * The given options over {@code defaults}.
   *
   * @throws IllegalArgumentException as {@link #validate()}
   */
  public SwarmOptions applyTo(SwarmOptions defaults) {
    validate();
    SwarmOptions s = defaults;
    if (players != null) {
      s = s.withPlayers(players);
    }
    if (speedup != null) {
      s = s.withSpeedup(speedup);
    }
    if (seed != null) {
      s = s.withSeed(seed);
    }
    if (zipf != null) {
      s = s.withZipf(zipf);
    }
    return s;
  }
}
