package dev.hybridcdn.schemas.registry;

/**
 * The schema registry did not do what was asked: it answered with an error status, or did not
 * answer at all ({@link #status()} 0). Not a {@code SerializationException}: a registry that is
 * down says nothing about the bytes of an event.
 */
public class SchemaRegistryException extends RuntimeException {
  private final int status;

  public SchemaRegistryException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** HTTP status of the registry's answer; 0 when it did not answer (connection refused, timeout). */
  public int status() {
    return status;
  }
}
