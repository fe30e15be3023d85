package dev.hybridcdn.ops.swarm;

import java.time.Duration;

/**
 * How a swarm of simulated players behaves.
 *
 * @param players simulated players, at least 1
 * @param seed random seed: the same seed gives the same song, rendition, peer and start choices
 * @param zipfExponent popularity law of songs ({@link Zipf}), default 1.0
 * @param speedup playback speed-up: a 10 s segment is requested every {@code 10 / speedup} s
 * @param ramp players start spread over this period
 * @param songsPerPlayer songs each player plays one after another
 * @param maxSegmentsPerSong segments a player plays of each song (listeners skip); 0 = whole song
 * @param rendition rendition every player picks (e.g. {@code 128k}); null = a random variant
 * @param requestTimeout bound on one player request; past it the request counts as failed
 * @param churnPerMinute peer joins plus leaves per minute of wall time (0 = no churn; needs a {@link Churn})
 * @param crashShare share of leaves that are crashes (the rest are clean leaves), 0..1
 * @param minLivePeers churn never takes the swarm below this many live peers
 * @param deadline the whole run stops after this long (players still running are cut off)
 */
public record SwarmOptions(int players, long seed, double zipfExponent, double speedup, Duration ramp,
    int songsPerPlayer, int maxSegmentsPerSong, String rendition, Duration requestTimeout, double churnPerMinute,
    double crashShare, int minLivePeers, Duration deadline) {

  public SwarmOptions {
    if (players < 1) {
      throw new IllegalArgumentException("players must be at least 1: " + players);
    }
    if (!(speedup > 0)) {
      throw new IllegalArgumentException("speedup must be above 0: " + speedup);
    }
    if (!(crashShare >= 0 && crashShare <= 1)) {
      throw new IllegalArgumentException("crashShare must be within 0..1: " + crashShare);
    }
  }

  /** Defaults: 100 players, seed 42, Zipf 1.0, 20x, 10 s ramp, one whole song each, no churn. */
  public static SwarmOptions defaults() {
    return new SwarmOptions(100, 42, 1.0, 20, Duration.ofSeconds(10), 1, 0, null, Duration.ofSeconds(15), 0, 0.5,
        2, Duration.ofMinutes(30));
  }

  public SwarmOptions withPlayers(int n) {
    return new SwarmOptions(n, seed, zipfExponent, speedup, ramp, songsPerPlayer, maxSegmentsPerSong, rendition,
        requestTimeout, churnPerMinute, crashShare, minLivePeers, deadline);
  }

  public SwarmOptions withSeed(long s) {
    return new SwarmOptions(players, s, zipfExponent, speedup, ramp, songsPerPlayer, maxSegmentsPerSong, rendition,
        requestTimeout, churnPerMinute, crashShare, minLivePeers, deadline);
  }

  public SwarmOptions withSpeedup(double x) {
    return new SwarmOptions(players, seed, zipfExponent, x, ramp, songsPerPlayer, maxSegmentsPerSong, rendition,
        requestTimeout, churnPerMinute, crashShare, minLivePeers, deadline);
  }

  public SwarmOptions withRamp(Duration r) {
    return new SwarmOptions(players, seed, zipfExponent, speedup, r, songsPerPlayer, maxSegmentsPerSong, rendition,
        requestTimeout, churnPerMinute, crashShare, minLivePeers, deadline);
  }

  public SwarmOptions withSongs(int songs, int maxSegments) {
    return new SwarmOptions(players, seed, zipfExponent, speedup, ramp, songs, maxSegments, rendition,
        requestTimeout, churnPerMinute, crashShare, minLivePeers, deadline);
  }

  public SwarmOptions withRendition(String r) {
    return new SwarmOptions(players, seed, zipfExponent, speedup, ramp, songsPerPlayer, maxSegmentsPerSong, r,
        requestTimeout, churnPerMinute, crashShare, minLivePeers, deadline);
  }

  public SwarmOptions withZipf(double s) {
    return new SwarmOptions(players, seed, s, speedup, ramp, songsPerPlayer, maxSegmentsPerSong, rendition,
        requestTimeout, churnPerMinute, crashShare, minLivePeers, deadline);
  }

  public SwarmOptions withChurn(double perMinute, double crash, int minLive) {
    return new SwarmOptions(players, seed, zipfExponent, speedup, ramp, songsPerPlayer, maxSegmentsPerSong,
        rendition, requestTimeout, perMinute, crash, minLive, deadline);
  }

  public SwarmOptions withDeadline(Duration d) {
    return new SwarmOptions(players, seed, zipfExponent, speedup, ramp, songsPerPlayer, maxSegmentsPerSong,
        rendition, requestTimeout, churnPerMinute, crashShare, minLivePeers, d);
  }
}
