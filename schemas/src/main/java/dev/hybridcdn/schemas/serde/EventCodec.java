package dev.hybridcdn.schemas.serde;

import org.apache.avro.specific.SpecificRecord;

/**
 * Turns events into bytes and back. The one seam for wire formats: {@link SingleObjectCodec}
 * (Avro single-object encoding, the default, no registry) and
 * {@link dev.hybridcdn.schemas.registry.RegistryCodec} (the Confluent wire format through a schema
 * registry, reading both formats), chosen by {@code SCHEMA_REGISTRY_URL}.
 *
 * <p>Implementations are thread-safe.
 */
public interface EventCodec {
  /**
   * Encodes one event.
   *
   * @param topic the topic it is written to (a registry-backed codec registers per subject)
   * @throws IllegalArgumentException if the event's type is not a known event type
   */
  byte[] encode(String topic, SpecificRecord event);

  /**
   * Decodes one event into the current generated class of its type, whatever released schema
   * version wrote it.
   *
   * @param topic the topic it was read from, used only in error messages
   * @throws EventDecodingException if the bytes are not a valid event (no marker, unknown schema
   *     fingerprint, truncated or corrupt body)
   */
  SpecificRecord decode(String topic, byte[] data);

  /**
   * Does ahead of time what {@link #encode} would otherwise do on its first call per topic and
   * type (a registry-backed codec registers every event type of every topic), so that encoding on
   * a request path never waits for a network call. Nothing for the single-object encoding.
   *
   * @param topics full names of the topics this process writes, each with the types it carries
   * @throws RuntimeException what {@code encode} would throw (e.g. the registry does not answer)
   */
  default void prepare(java.util.Map<String, java.util.Set<Class<? extends SpecificRecord>>> topics) {}
}
