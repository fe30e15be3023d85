package dev.hybridcdn.ops.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.kafka.BrokerProcess;
import dev.hybridcdn.kafka.LoopbackPorts;
import dev.hybridcdn.ops.stack.EmbeddedStores;
import dev.hybridcdn.ops.tls.LocalCa;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.events.EventPublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docker compose's Kafka security model on a real broker process (issue 16): a client listener with
 * SASL/SCRAM-SHA-512 over TLS (certificate from {@link LocalCa}), the StandardAuthorizer denying
 * what no ACL allows, and the unauthenticated listeners on loopback for administration. The peers'
 * user gets the ACLs {@code docker/kafka/users-and-acls.sh} gives it (here through the Admin API,
 * not the script). A peer configured the way compose configures it ({@code KAFKA_SECURITY_PROTOCOL},
 * {@code KAFKA_SASL_*}, {@code KAFKA_SSL_TRUSTSTORE_LOCATION}, read by service-kit
 * {@code CommonConfig}) writes its events, cannot write {@code cdn.catalog}, and a wrong password or
 * a client without TLS and SASL gets nowhere.
 */
class KafkaScramAclIT {
  private static final String PEER_PASSWORD = "peer-test-secret";

  @Test
  void aPeerWritesItsTopicsButNotTheCatalog(@TempDir Path dir) throws Exception {
    LocalCa ca = LocalCa.create(dir.resolve("tls"), "test CA");
    LocalCa.Issued cert = ca.issue("kafka", LocalCa.LOCAL_HOSTS);
    Path keystore = dir.resolve("tls/broker-keystore.pem"); // Kafka's PEM key store: key, then the chain
    Files.writeString(keystore, Files.readString(cert.keyFile()) + Files.readString(cert.certFile()));
    int client = LoopbackPorts.free();
    int broker = LoopbackPorts.free();
    int controller = LoopbackPorts.free();
    Map<String, String> security = new HashMap<>();
    security.put("listeners", "SASL_SSL://127.0.0.1:" + client + ",BROKER://127.0.0.1:" + broker
        + ",CONTROLLER://127.0.0.1:" + controller);
    security.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + client + ",BROKER://127.0.0.1:" + broker);
    security.put("inter.broker.listener.name", "BROKER");
    security.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT");
    security.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
    security.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    security.put("ssl.keystore.type", "PEM");
    security.put("ssl.keystore.location", keystore.toString());
    security.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    security.put("allow.everyone.if.no.acl.found", "false");
    security.put("super.users", "User:ANONYMOUS");
    security.put("auto.create.topics.enable", "false");
    BrokerProcess kafka = BrokerProcess.start(new BrokerProcess.Settings(dir.resolve("kafka"),
        System.getProperty("java.class.path"), client, controller, dir.resolve("kafka.log"), 384, List.of()), security);
    try {
      TopicRegistry topics = new TopicRegistry("cdn-acl.");
      String peerEvents = topics.name(CdnTopic.PEER_EVENTS);
      String catalog = topics.name(CdnTopic.CATALOG);
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker))) {
        admin.createTopics(List.of(new NewTopic(peerEvents, 1, (short) 1), new NewTopic(catalog, 1, (short) 1)))
            .all().get(60, TimeUnit.SECONDS);
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("peer",
            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), PEER_PASSWORD))).all().get(60, TimeUnit.SECONDS);
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation op : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
          acls.add(allow("peer", peerEvents, op));
        }
        for (AclOperation op : List.of(AclOperation.READ, AclOperation.DESCRIBE)) {
          acls.add(allow("peer", catalog, op));
        }
        admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
      }

      Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
          "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
          "KAFKA_SASL_USERNAME", "peer", "KAFKA_SASL_PASSWORD", PEER_PASSWORD,
          "KAFKA_SSL_TRUSTSTORE_LOCATION", ca.caFile().toString());
      try (KafkaProducer<String, String> peer = producer(CommonConfig.from(new Env(env)).kafkaClient())) {
        assertThat(peer.send(new ProducerRecord<>(peerEvents, "peer-1", "joined")).get(60, TimeUnit.SECONDS).offset())
            .as("the peer writes its events").isZero();
        assertThatThrownBy(() -> peer.send(new ProducerRecord<>(catalog, "song", "forged")).get(60, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
      }

      Map<String, String> wrong = new HashMap<>(env);
      wrong.put("KAFKA_SASL_PASSWORD", "guessed");
      try (KafkaProducer<String, String> intruder = producer(CommonConfig.from(new Env(wrong)).kafkaClient())) {
        assertThatThrownBy(() -> intruder.send(new ProducerRecord<>(peerEvents, "peer-1", "left")).get(60, TimeUnit.SECONDS))
            .hasRootCauseInstanceOf(SaslAuthenticationException.class);
      }
      // PLAINTEXT on the SASL_SSL port: no metadata, so the send never gets a partition
      try (KafkaProducer<String, String> plain = producer(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        assertThatThrownBy(() -> plain.send(new ProducerRecord<>(peerEvents, "peer-1", "left")).get(60, TimeUnit.SECONDS))
            .isInstanceOf(Exception.class);
      }
    } finally {
      kafka.stop(Duration.ofSeconds(20));
    }
  }

  private static AclBinding allow(String user, String topic, AclOperation op) {
    return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
        new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
  }

  /** The peers' producer settings ({@link EventPublisher#producerConfig}), bounded for a test. */
  private static KafkaProducer<String, String> producer(Map<String, Object> kafkaClient) {
    Map<String, Object> cfg = EventPublisher.producerConfig(kafkaClient, "acl-test");
    cfg.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
    cfg.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    cfg.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    cfg.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    return new KafkaProducer<>(cfg, new StringSerializer(), new StringSerializer());
  }
}
