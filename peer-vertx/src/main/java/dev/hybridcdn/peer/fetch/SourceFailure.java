package dev.hybridcdn.peer.fetch;

import java.util.List;

/**
 * Every source of a segment, manifest or playlist failed. {@link #tried()} names each source and
 * why, e.g. {@code "peer peer-3 (http://127.0.0.1:9003): 503"}, {@code "edge edge-1: timeout after 5000 ms"};
 * the player gets it as the {@code details} of its error answer: a 503 when the sources were only
 * unavailable (down, hung, busy: try again), a 502 when one sent bytes that failed the SHA-256 check.
 */
public final class SourceFailure extends RuntimeException {
  private final List<String> tried;
  private final boolean notFound;
  private final boolean wrongBytes;

  /**
   * @param notFound true when an edge said the thing does not exist (404), as opposed to no source answering
   */
  public SourceFailure(String message, List<String> tried, boolean notFound) {
    this(message, tried, notFound, false);
  }

  /**
   * @param wrongBytes true when a source answered with bytes that failed the integrity check
   */
  public SourceFailure(String message, List<String> tried, boolean notFound, boolean wrongBytes) {
    super(message, null, false, false);
    this.tried = List.copyOf(tried);
    this.notFound = notFound;
    this.wrongBytes = wrongBytes;
  }

  public List<String> tried() {
    return tried;
  }

  public boolean notFound() {
    return notFound;
  }

  /** True when a source sent bytes that failed the SHA-256 check (a bad gateway, not an absent one). */
  public boolean wrongBytes() {
    return wrongBytes;
  }
}
