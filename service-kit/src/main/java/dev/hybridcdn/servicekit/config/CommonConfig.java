package dev.hybridcdn.servicekit.config;

import dev.hybridcdn.schemas.registry.RegistryCodec;
import dev.hybridcdn.schemas.serde.EventCodec;
import dev.hybridcdn.schemas.serde.SingleObjectCodec;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.tls.TlsSettings;
import java.util.HashMap;
import java.util.Map;

/**
 * The settings every service reads the same way (ARCHITECTURE.md, "Configuration").
 *
 * @param kafkaBootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}, default {@code 127.0.0.1:9092}
 * @param topicPrefix {@code TOPIC_PREFIX}, default {@code cdn.}
 * @param replicationFactor {@code KAFKA_REPLICATION_FACTOR}, 1 to 5, default 0: {@code min(3,
 *     brokers)} ({@link TopicAdmin#replicationFactor}); of every topic an app creates, its own
 *     included
 * @param schemaRegistryUrl {@code SCHEMA_REGISTRY_URL}, the Confluent-compatible API of a schema
 *     registry (Apicurio: {@code http://host:8080/apis/ccompat/v7}); null (unset): no registry,
 *     events in the Avro single-object encoding
 * @param eventEncoding {@code EVENT_ENCODING}, only with a registry: {@code confluent} (default)
 *     or {@code single-object} (the first step of a migration: read both, still write the old one)
 * @param kafkaSecurity {@code KAFKA_SECURITY_PROTOCOL} and its SASL and trust store settings
 *     ({@link KafkaSecurity}); PLAINTEXT when unset
 * @param tls {@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}, {@code TLS_CA_FILE} ({@link TlsSettings}):
 *     HTTPS of the service's server, the CA its HTTP clients trust
 * @param bindHost {@code BIND_HOST}, the address HTTP servers listen on, default {@code 0.0.0.0} (every
 *     interface, what a container needs); {@code ./cdn up} sets {@code 127.0.0.1} (issue 16: nothing of a local
 *     stack is reachable from the network)
 */
public record CommonConfig(String kafkaBootstrapServers, String topicPrefix, int replicationFactor,
    String schemaRegistryUrl, RegistryCodec.Encoding eventEncoding, KafkaSecurity kafkaSecurity, TlsSettings tls,
    String bindHost) {
  /** Every interface: the default {@code BIND_HOST}. */
  public static final String ALL_INTERFACES = "0.0.0.0";

  public static CommonConfig from(Env env) {
    String bootstrap = env.string("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
        s -> s.matches("[A-Za-z0-9._:\\[\\]-]+(,[A-Za-z0-9._:\\[\\]-]+)*"), "host:port[,host:port...]");
    String prefix = env.string("TOPIC_PREFIX", TopicRegistry.DEFAULT_PREFIX,
        s -> s.matches("[A-Za-z0-9._-]{0,100}"), "a topic prefix of [A-Za-z0-9._-], e.g. cdn.");
    int replication = env.integer("KAFKA_REPLICATION_FACTOR", TopicAdmin.AUTO_REPLICATION, 0, 5);
    String registry = env.raw("SCHEMA_REGISTRY_URL") == null ? null : env.httpUrl("SCHEMA_REGISTRY_URL", null);
    String encoding = env.string("EVENT_ENCODING", "confluent",
        s -> s.equals("confluent") || s.equals("single-object"), "confluent or single-object");
    String bind = env.string("BIND_HOST", ALL_INTERFACES, s -> s.matches("[A-Za-z0-9.:-]+"), "a host name or address");
    return new CommonConfig(bootstrap, prefix, replication, registry, RegistryCodec.Encoding.parse(encoding),
        KafkaSecurity.from(env), TlsSettings.from(env), bind);
  }

  /**
   * What every Kafka client of the service starts from: {@code bootstrap.servers} and the security
   * settings; a new mutable map each call, to which a client adds its own settings.
   */
  public Map<String, Object> kafkaClient() {
    Map<String, Object> m = new HashMap<>(kafkaSecurity.settings());
    m.put("bootstrap.servers", kafkaBootstrapServers);
    return m;
  }

  /** The topics under the prefix, their serdes over {@link #codec()}. */
  public TopicRegistry topics() {
    return new TopicRegistry(topicPrefix, codec());
  }

  /**
   * The wire format of events: the single-object encoding without a registry; with one, the
   * Confluent format (reading both), one codec per registry URL in this JVM (its caches shared).
   */
  public EventCodec codec() {
    return schemaRegistryUrl == null ? SingleObjectCodec.instance()
        : RegistryCodec.shared(schemaRegistryUrl, eventEncoding);
  }
}
