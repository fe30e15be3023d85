package dev.hybridcdn.servicekit.identity;

/** An admission token or a signed event that does not hold up; the message says why. */
public final class AdmissionException extends RuntimeException {
  public AdmissionException(String message) {
    super(message);
  }
}
