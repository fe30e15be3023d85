package dev.hybridcdn.peer.fetch;

import java.util.List;

/**
 * Every source of a segment, manifest or playlist failed. {@link #tried()} names each source and
 * why, e.g. {@code "peer peer-3 (http://127.0.0.1:9003): 503"}, {@code "edge edge-1: timeout after 5000 ms"};
 * the player gets it as the {@code details} of a 502.
 */
public final class SourceFailure extends RuntimeException {
  private final List<String> tried;
  private final boolean notFound;

  /**
   * @param notFound true when an edge said the thing does not exist (404), as opposed to no source answering
   */
  public SourceFailure(String message, List<String> tried, boolean notFound) {
    super(message, null, false, false);
    this.tried = List.copyOf(tried);
    this.notFound = notFound;
  }

  public List<String> tried() {
    return tried;
  }

  public boolean notFound() {
    return notFound;
  }
}
