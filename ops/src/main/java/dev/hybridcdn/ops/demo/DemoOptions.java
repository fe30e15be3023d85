package dev.hybridcdn.ops.demo;

import dev.hybridcdn.ops.swarm.SwarmOptions;
import dev.hybridcdn.servicekit.network.NetworkModel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code cdn demo} runs.
 *
 * @param peers peers at the start (default 50; churn adds and removes some)
 * @param swarm the players' behaviour (players, seed, speed-up, Zipf exponent, churn)
 * @param baseline also run the same workload with P2P off and compare
 * @param keepRunning leave the stack up after the report, until Ctrl-C
 * @param dataDir data of the embedded servers; deleted afterwards unless {@code keepRunning}
 * @param mediaDir tracks to ingest ({@code *.mp3})
 * @param songLimit ingest at most this many tracks (shortest first when limited; 0 = all)
 * @param historyWait how long to wait for the event history to hold every delivery the players saw
 * @param network the emulated network the stack runs under, null for plain loopback
 * @param auth {@code --auth}: player tokens on (a random {@code PLAYER_TOKEN_SECRET}; the players sign theirs)
 */
public record DemoOptions(int peers, SwarmOptions swarm, boolean baseline, boolean keepRunning, Path dataDir,
    Path mediaDir, int songLimit, Duration historyWait, NetworkModel network, boolean auth) {

  /**
   * The full demo: 50 peers, 100 players at 20x, whole songs at 128k (players on one network pick
   * the same rendition), churn of 20 peer changes a minute.
   */
  public static DemoOptions full(Path dataDir, Path mediaDir) {
    SwarmOptions swarm = SwarmOptions.defaults().withPlayers(100).withSpeedup(20).withRamp(Duration.ofSeconds(30))
        .withSongs(1, 0).withChurn(20, 0.5, 10).withRendition("128k");
    return new DemoOptions(50, swarm, false, false, dataDir, mediaDir, 0, Duration.ofSeconds(60), null, false);
  }

  /**
   * The quick demo (under 2 minutes): 12 peers, 24 players starting over 20 s, at 20x, playing the
   * first 8 segments of a song, churn of 12 peer changes a minute, the two shortest tracks.
   */
  public static DemoOptions quick(Path dataDir, Path mediaDir) {
    SwarmOptions swarm = SwarmOptions.defaults().withPlayers(24).withSpeedup(20).withRamp(Duration.ofSeconds(20))
        .withSongs(1, 8).withChurn(12, 0.5, 6).withRendition("128k");
    return new DemoOptions(12, swarm, false, false, dataDir, mediaDir, 2, Duration.ofSeconds(45), null, false);
  }

  public DemoOptions withPeers(int n) {
    return new DemoOptions(n, swarm, baseline, keepRunning, dataDir, mediaDir, songLimit, historyWait, network, auth);
  }

  public DemoOptions withSwarm(SwarmOptions s) {
    return new DemoOptions(peers, s, baseline, keepRunning, dataDir, mediaDir, songLimit, historyWait, network, auth);
  }

  public DemoOptions withBaseline(boolean b) {
    return new DemoOptions(peers, swarm, b, keepRunning, dataDir, mediaDir, songLimit, historyWait, network, auth);
  }

  public DemoOptions withNetwork(NetworkModel model) {
    return new DemoOptions(peers, swarm, baseline, keepRunning, dataDir, mediaDir, songLimit, historyWait, model, auth);
  }

  public DemoOptions withKeepRunning(boolean k) {
    return new DemoOptions(peers, swarm, baseline, k, dataDir, mediaDir, songLimit, historyWait, network, auth);
  }

  public DemoOptions withAuth(boolean a) {
    return new DemoOptions(peers, swarm, baseline, keepRunning, dataDir, mediaDir, songLimit, historyWait, network, a);
  }
}
