package dev.hybridcdn.ops.swarm;

/**
 * What one listener heard of one song.
 *
 * @param player player index
 * @param song song id
 * @param startupMs from the master playlist request to the first segment in the buffer, wall ms; -1 when nothing played
 * @param stalls times the playhead reached the end of the buffer before the next segment arrived
 * @param stallMs wall ms spent stalled
 * @param playedMediaMs media played (segments buffered), ms
 * @param bitrateMediaBitsMs sum over buffered segments of rendition bit/s x media ms (divide by
 *     {@code playedMediaMs} for the average bitrate)
 * @param switches rendition switches (hls.js ABR; 0 with a fixed rendition)
 * @param speedup the playback speed-up the session ran at
 */
public record Session(int player, String song, double startupMs, int stalls, double stallMs, long playedMediaMs,
    double bitrateMediaBitsMs, int switches, double speedup) {

  /** Average bitrate of what was played, bit/s; 0 when nothing played. */
  public double averageBitrate() {
    return playedMediaMs == 0 ? 0 : bitrateMediaBitsMs / playedMediaMs;
  }

  /** Wall ms of playback ({@code playedMediaMs / speedup}). */
  public double playedWallMs() {
    return playedMediaMs / speedup;
  }
}
