package dev.hybridcdn.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.SampleEvents;
import dev.hybridcdn.schemas.serde.EventDecodingException;
import dev.hybridcdn.schemas.serde.SingleObjectCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** What the registry codec does without a registry to ask. */
class RegistryCodecTest {
  private static final String TOPIC = "t.peer-events";

  @Test
  void readsSingleObjectEventsWithoutAskingTheRegistry() {
    RegistryCodec codec = new RegistryCodec(deadRegistry(), RegistryCodec.Encoding.CONFLUENT);
    for (SpecificRecord event : SampleEvents.all()) {
      byte[] old = SingleObjectCodec.instance().encode(TOPIC, event);
      assertThat(codec.decode(TOPIC, old)).isEqualTo(event);
    }
  }

  @Test
  void singleObjectEncodingWritesWhatRegistryFreeServicesRead() {
    RegistryCodec codec = new RegistryCodec(deadRegistry(), RegistryCodec.Encoding.SINGLE_OBJECT);
    SpecificRecord event = SampleEvents.all().get(0);
    byte[] bytes = codec.encode(TOPIC, event);
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(SingleObjectCodec.instance().decode(TOPIC, bytes)).isEqualTo(event);
  }

  @Test
  void registryThatDoesNotAnswerIsNotABadEvent() {
    RegistryCodec codec = new RegistryCodec(deadRegistry(), RegistryCodec.Encoding.CONFLUENT);
    assertThatThrownBy(() -> codec.encode(TOPIC, SampleEvents.all().get(0)))
        .isInstanceOf(SchemaRegistryException.class)
        .isNotInstanceOf(EventDecodingException.class)
        .hasMessageContaining("did not answer")
        .satisfies(e -> assertThat(((SchemaRegistryException) e).status()).isZero());
    assertThatThrownBy(() -> codec.decode(TOPIC, new byte[] {0, 0, 0, 0, 7, 2}))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("schema id 7");
  }

  @Test
  void confluentBytesWithoutARegistryNameTheVariable() {
    assertThatThrownBy(() -> SingleObjectCodec.instance().decode(TOPIC, new byte[] {0, 0, 0, 0, 1, 2}))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining("SCHEMA_REGISTRY_URL");
  }

  @Test
  void truncatedConfluentHeaderIsABadEvent() {
    RegistryCodec codec = new RegistryCodec(deadRegistry(), RegistryCodec.Encoding.CONFLUENT);
    assertThatThrownBy(() -> codec.decode(TOPIC, new byte[] {0, 0, 1}))
        .isInstanceOf(EventDecodingException.class)
        .hasMessageContaining("5-byte header");
  }

  @Test
  void subjectIsTopicAndRecordName() {
    SpecificRecord event = SampleEvents.all().get(0);
    assertThat(RegistryCodec.subject(TOPIC, event.getSchema()))
        .isEqualTo("t.peer-events-dev.hybridcdn.schemas.events.PeerJoined");
  }

  @Test
  void encodingParsesItsTwoNames() {
    assertThat(RegistryCodec.Encoding.parse("confluent")).isEqualTo(RegistryCodec.Encoding.CONFLUENT);
    assertThat(RegistryCodec.Encoding.parse("single-object")).isEqualTo(RegistryCodec.Encoding.SINGLE_OBJECT);
    assertThatThrownBy(() -> RegistryCodec.Encoding.parse("avro")).isInstanceOf(IllegalArgumentException.class);
  }

  /** A loopback port nothing listens on. */
  private static SchemaRegistryClient deadRegistry() {
    int port;
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new SchemaRegistryClient("http://127.0.0.1:" + port + "/apis/ccompat/v7", Duration.ofSeconds(1));
  }
}
