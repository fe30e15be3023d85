package dev.hybridcdn.peer.probe;

/**
 * The smoothed round-trip time to one neighbour peer or edge: an exponential moving average of
 * {@code /ping} round trips, {@code rtt = 0.3 * sample + 0.7 * rtt} (alpha 0.3, the smoothing of
 * the reference design, ARCHITECTURE.md "Events"); the first sample is taken as is.
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
    return rttMs;
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
