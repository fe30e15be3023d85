package dev.hybridcdn.schemas.registry;

/**
 * The registry refused a schema under its compatibility rule (HTTP 409 from
 * {@code POST /subjects/{subject}/versions}): e.g. under BACKWARD a new version added a field
 * without a default, so consumers on it could not read events already written.
 */
public final class IncompatibleSchemaException extends SchemaRegistryException {
  public IncompatibleSchemaException(String message) {
    super(message, 409, null);
  }
}
