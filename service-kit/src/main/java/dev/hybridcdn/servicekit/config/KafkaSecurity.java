package dev.hybridcdn.servicekit.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How a service's Kafka clients (producers, consumers, admin, Streams) authenticate and encrypt,
 * read once from the environment and applied to every client config through
 * {@link CommonConfig#kafkaClient()} (issue 16, item 6; docker compose runs SASL/SCRAM over TLS).
 * Unset, clients speak {@code PLAINTEXT} as before.
 *
 * <table>
 *   <caption>variables and the Kafka client settings they become</caption>
 *   <tr><th>variable</th><th>Kafka setting</th><th>default</th></tr>
 *   <tr><td>{@code KAFKA_SECURITY_PROTOCOL}</td><td>{@code security.protocol}: PLAINTEXT, SSL,
 *       SASL_PLAINTEXT, SASL_SSL</td><td>PLAINTEXT</td></tr>
 *   <tr><td>{@code KAFKA_SASL_MECHANISM}</td><td>{@code sasl.mechanism}: SCRAM-SHA-512,
 *       SCRAM-SHA-256, PLAIN</td><td>SCRAM-SHA-512 (SASL protocols only)</td></tr>
 *   <tr><td>{@code KAFKA_SASL_USERNAME}, {@code KAFKA_SASL_PASSWORD}</td><td>{@code sasl.jaas.config}
 *       with the mechanism's login module</td><td>required with SASL unless the next is set</td></tr>
 *   <tr><td>{@code KAFKA_SASL_JAAS_CONFIG}</td><td>{@code sasl.jaas.config} as given</td><td>-</td></tr>
 *   <tr><td>{@code KAFKA_SSL_TRUSTSTORE_LOCATION}</td><td>{@code ssl.truststore.location}</td>
 *       <td>the JVM's default trust</td></tr>
 *   <tr><td>{@code KAFKA_SSL_TRUSTSTORE_TYPE}</td><td>{@code ssl.truststore.type}: PEM, PKCS12, JKS</td>
 *       <td>PEM</td></tr>
 *   <tr><td>{@code KAFKA_SSL_TRUSTSTORE_PASSWORD}</td><td>{@code ssl.truststore.password} (PKCS12, JKS)</td>
 *       <td>-</td></tr>
 * </table>
 *
 * @param settings the Kafka client settings, empty for PLAINTEXT; printing this record hides the
 *     JAAS config and passwords
 */
public record KafkaSecurity(Map<String, String> settings) {
  private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  private static final Map<String, String> LOGIN_MODULES = Map.of(
      "SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule",
      "SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule",
      "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule");

  public KafkaSecurity {
    settings = Map.copyOf(settings);
  }

  /** PLAINTEXT: no settings. */
  public static KafkaSecurity plaintext() {
    return new KafkaSecurity(Map.of());
  }

  /** @throws ConfigException naming the first variable with a value clients cannot use */
  public static KafkaSecurity from(Env env) {
    String protocol = env.string("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT",
        s -> PROTOCOLS.contains(s.toUpperCase(Locale.ROOT)), "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
        .toUpperCase(Locale.ROOT);
    Map<String, String> s = new LinkedHashMap<>();
    if (protocol.equals("PLAINTEXT")) {
      return plaintext();
    }
    s.put("security.protocol", protocol);
    if (protocol.startsWith("SASL_")) {
      String mechanism = env.string("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
          m -> LOGIN_MODULES.containsKey(m.toUpperCase(Locale.ROOT)), "SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN")
          .toUpperCase(Locale.ROOT);
      s.put("sasl.mechanism", mechanism);
      String jaas = env.raw("KAFKA_SASL_JAAS_CONFIG");
      if (jaas == null) {
        String user = env.raw("KAFKA_SASL_USERNAME");
        String password = env.raw("KAFKA_SASL_PASSWORD");
        if (user == null || password == null) {
          throw new ConfigException(user == null ? "KAFKA_SASL_USERNAME" : "KAFKA_SASL_PASSWORD", null,
              "a value with KAFKA_SECURITY_PROTOCOL=" + protocol + " (or KAFKA_SASL_JAAS_CONFIG)");
        }
        jaas = LOGIN_MODULES.get(mechanism) + " required username=\"" + quoted(user) + "\" password=\""
            + quoted(password) + "\";";
      }
      s.put("sasl.jaas.config", jaas);
    }
    if (protocol.endsWith("SSL")) {
      String location = env.raw("KAFKA_SSL_TRUSTSTORE_LOCATION");
      if (location != null) {
        if (!Files.isReadable(Path.of(location))) {
          throw new ConfigException("KAFKA_SSL_TRUSTSTORE_LOCATION", location, "a readable trust store file");
        }
        String type = env.string("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
            t -> Set.of("PEM", "PKCS12", "JKS").contains(t.toUpperCase(Locale.ROOT)), "PEM, PKCS12 or JKS")
            .toUpperCase(Locale.ROOT);
        s.put("ssl.truststore.location", location);
        s.put("ssl.truststore.type", type);
        String password = env.raw("KAFKA_SSL_TRUSTSTORE_PASSWORD");
        if (password != null && !type.equals("PEM")) {
          s.put("ssl.truststore.password", password);
        }
      }
    }
    return new KafkaSecurity(s);
  }

  /** A JAAS option value: backslashes and quotes escaped, as JAAS parses them. */
  private static String quoted(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** {@code security.protocol}, PLAINTEXT when none is set. */
  public String protocol() {
    return settings.getOrDefault("security.protocol", "PLAINTEXT");
  }

  @Override
  public String toString() {
    Map<String, String> shown = new LinkedHashMap<>(settings);
    shown.replaceAll((k, v) -> k.contains("jaas") || k.contains("password") ? "(hidden)" : v);
    return "KafkaSecurity" + shown;
  }
}
