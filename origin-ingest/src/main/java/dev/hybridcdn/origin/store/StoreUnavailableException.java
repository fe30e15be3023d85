package dev.hybridcdn.origin.store;

/** PostgreSQL did not answer within the configured bound (down, unreachable or overloaded). */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
