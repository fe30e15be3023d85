package dev.hybridcdn.ops.swarm;

/**
 * One HTTP request of a simulated player, as the player saw it.
 *
 * @param player player index
 * @param peerId the peer the player was attached to
 * @param kind master playlist, media playlist or segment
 * @param url the URL requested
 * @param status HTTP status, 0 when no answer came (timeout, connection refused)
 * @param source {@code X-CDN-Source} of a segment answer ({@code local|peer|edge|origin}), else null
 * @param hops {@code X-CDN-Hops} of a segment answer (0 local, 1 peer or edge hit, 2 origin), -1 when absent
 * @param bytes body bytes received
 * @param latencyMicros from sending the request to the last body byte, microseconds
 * @param ts epoch ms when the answer (or the error) came
 * @param error why it failed, null when it succeeded
 * @param sha256 hex SHA-256 of an answered segment's body (to find bytes of another content
 *     version), else null
 * @param answer a peer's {@code X-CDN-Answer} of a segment (how it was got, read-ahead's lead, fetches
 *     under way: {@code hedge; ahead=0; busy=2}), else null (an edge, a failure)
 */
public record PlayerRequest(int player, String peerId, Kind kind, String url, int status, String source, int hops,
    long bytes,
    long latencyMicros, long ts, String error, String sha256, String answer) {

  /** A request without the peer's {@code X-CDN-Answer}. */
  public PlayerRequest(int player, String peerId, Kind kind, String url, int status, String source, int hops,
      long bytes, long latencyMicros, long ts, String error, String sha256) {
    this(player, peerId, kind, url, status, source, hops, bytes, latencyMicros, ts, error, sha256, null);
  }

  /** What was requested. */
  public enum Kind { MASTER, PLAYLIST, SEGMENT }

  /** True when the request failed (not 200, no answer, or a segment without X-CDN-Source). */
  public boolean failed() {
    return error != null;
  }
}
