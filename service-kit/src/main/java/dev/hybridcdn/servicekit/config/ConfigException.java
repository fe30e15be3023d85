package dev.hybridcdn.servicekit.config;

/** An environment variable with a value the service cannot run with. */
public final class ConfigException extends IllegalArgumentException {
  private final String variable;

  public ConfigException(String variable, String value, String expected) {
    super(variable + "=" + (value == null ? "(unset)" : "'" + value + "'") + " is invalid: expected " + expected);
    this.variable = variable;
  }

  /** The variable's name, e.g. {@code HTTP_PORT}. */
  public String variable() {
    return variable;
  }
}
