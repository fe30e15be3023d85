package dev.hybridcdn.peer.probe;

/**
 * The smoothed round-trip time to one neighbour peer or edge: an exponential moving average of
 * {@code /ping} round trips, {@code rtt = 0.3 * sample + 0.7 * rtt} (alpha 0.3, the smoothing of
 * the reference design, ARCHITECTURE.md "Events"); the first sample is taken as is.
 *
 * <p>A link is also up or down. A failed probe or a failed request (timeout, refused connection,
 * 5xx) marks it down at once, whatever its RTT; the next successful probe or request marks it up.
 * The RTT of a down link is stale (a hung server answers no probe, so its last RTT would otherwise
 * keep it first), so a down link is ordered after every link that is up.
 */
public final class Link {
  /** EMA weight of a new sample. */
  public static final double ALPHA = 0.3;

  /** Peer or edge. */
  public enum Kind { PEER, EDGE }

  private final Kind kind;
  private final String url;
  private volatile String id;
  private volatile String region;
  private double rttMs = Double.NaN;
  private int samples;
  private long downSinceMs = -1;
  private int failures;

  public Link(Kind kind, String id, String url, String region) {
    this.kind = kind;
    this.id = id;
    this.url = url;
    this.region = region;
  }

  /** Adds one round trip (ms) and returns the new average (ms). */
  public synchronized double sample(double sampleMs) {
    rttMs = samples == 0 ? sampleMs : ALPHA * sampleMs + (1 - ALPHA) * rttMs;
    samples++;
    up();
    return rttMs;
  }

  /** A probe or request failed (timeout, refused, 5xx): the link is down from now on until it answers. */
  public synchronized void failed(long nowMs) {
    if (downSinceMs < 0) {
      downSinceMs = nowMs;
    }
    failures++;
  }

  /** A request succeeded: the link is up again. */
  public synchronized void up() {
    downSinceMs = -1;
  }

  /** True from a failure until the next success. */
  public synchronized boolean isDown() {
    return downSinceMs >= 0;
  }

  /** Failed probes and requests since start. */
  public synchronized int failures() {
    return failures;
  }

  /** Smoothed RTT in ms; NaN before the first sample. */
  public synchronized double rttMs() {
    return rttMs;
  }

  public synchronized int samples() {
    return samples;
  }

  public Kind kind() {
    return kind;
  }

  /** Peer id or edge id ({@code X-Served-By} / {@code /ping}), or a name derived from the URL. */
  public String id() {
    return id;
  }

  void id(String id) {
    this.id = id;
  }

  /** Region when known, else null. */
  public String region() {
    return region;
  }

  void region(String region) {
    this.region = region;
  }

  /** Base URL without a trailing slash. */
  public String url() {
    return url;
  }
}
