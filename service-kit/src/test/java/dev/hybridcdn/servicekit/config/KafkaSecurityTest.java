package dev.hybridcdn.servicekit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka client security settings of every service, from the environment ({@code KAFKA_*}). */
class KafkaSecurityTest {
  @TempDir Path dir;

  @Test
  void unsetIsPlaintextAndEveryClientGetsTheBootstrapServers() {
    CommonConfig c = CommonConfig.from(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:29092")));
    assertThat(c.kafkaSecurity().protocol()).isEqualTo("PLAINTEXT");
    assertThat(c.kafkaClient()).containsExactly(Map.entry("bootstrap.servers", "kafka:29092"));
  }

  @Test
  void scramOverTlsFromUserPasswordAndTrustStore() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    CommonConfig c = CommonConfig.from(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9094",
        "KAFKA_SECURITY_PROTOCOL", "sasl_ssl", "KAFKA_SASL_USERNAME", "peer", "KAFKA_SASL_PASSWORD", "p\"w\\d",
        "KAFKA_SSL_TRUSTSTORE_LOCATION", ca.toString())));
    Map<String, Object> client = c.kafkaClient();
    assertThat(client).containsEntry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "kafka:9094")
        .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
        .containsEntry(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512")
        .containsEntry(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, ca.toString())
        .containsEntry(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
    assertThat(SecurityProtocol.forName((String) client.get("security.protocol"))).isEqualTo(SecurityProtocol.SASL_SSL);
    // Kafka's own JAAS parser reads back the user and the password with its quote and backslash
    var entry = JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
        new Password((String) client.get(SaslConfigs.SASL_JAAS_CONFIG)))).configurationEntries().get(0);
    assertThat(entry.getLoginModuleName()).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule");
    Map<String, Object> options = Map.copyOf(entry.getOptions());
    assertThat(options).containsEntry("username", "peer").containsEntry("password", "p\"w\\d");
    assertThat(c.kafkaSecurity().toString()).doesNotContain("p\"w").contains("(hidden)");
  }

  @Test
  void aGivenJaasConfigIsTakenAsIs() {
    String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\"b\";";
    KafkaSecurity s = KafkaSecurity.from(new Env(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_JAAS_CONFIG", jaas)));
    assertThat(s.settings()).containsEntry("sasl.jaas.config", jaas).containsEntry("sasl.mechanism", "PLAIN")
        .doesNotContainKey("ssl.truststore.location");
  }

  @Test
  void badValuesNameTheVariable() {
    assertThatThrownBy(() -> KafkaSecurity.from(new Env(Map.of("KAFKA_SECURITY_PROTOCOL", "TLS"))))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("KAFKA_SECURITY_PROTOCOL='TLS'");
    assertThatThrownBy(() -> KafkaSecurity.from(new Env(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "KAFKA_SASL_USERNAME", "peer")))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("KAFKA_SASL_PASSWORD=(unset)");
    assertThatThrownBy(() -> KafkaSecurity.from(new Env(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "KAFKA_SASL_MECHANISM", "GSSAPI", "KAFKA_SASL_JAAS_CONFIG", "x")))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("KAFKA_SASL_MECHANISM='GSSAPI'");
    assertThatThrownBy(() -> KafkaSecurity.from(new Env(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL",
        "KAFKA_SSL_TRUSTSTORE_LOCATION", dir.resolve("missing.p12").toString())))).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("KAFKA_SSL_TRUSTSTORE_LOCATION=");
  }
}
