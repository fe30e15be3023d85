package dev.hybridcdn.origin.ingest;

/**
 * An ingest that stored nothing (bad input, FFmpeg failure, PostgreSQL failure) or that stored the
 * song but could not announce it ({@link #stored()} true). The message names the file and the
 * reason (for FFmpeg failures, FFmpeg's own last error lines).
 */
public final class IngestException extends RuntimeException {
  private final boolean stored;

  public IngestException(String message, Throwable cause) {
    this(message, cause, false);
  }

  public IngestException(String message, Throwable cause, boolean stored) {
    super(message, cause);
    this.stored = stored;
  }

  /** True when the song was committed to PostgreSQL but SongPublished was not acknowledged. */
  public boolean stored() {
    return stored;
  }
}
