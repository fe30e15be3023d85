package dev.hybridcdn.servicekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.registry.RegistryCodec;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
  @Test
  void readsTypedValuesWithDefaults() {
    Env env = new Env(Map.of("HTTP_PORT", "8082", "EDGE_URLS", "http://a:1/, http://b:2", "FLAG", "yes",
        "BUDGET_MS", "1500"));
    assertThat(env.port("HTTP_PORT", 1)).isEqualTo(8082);
    assertThat(env.port("OTHER_PORT", 9000)).isEqualTo(9000);
    assertThat(env.httpUrls("EDGE_URLS", null)).containsExactly("http://a:1", "http://b:2");
    assertThat(env.bool("FLAG", false)).isTrue();
    assertThat(env.millis("BUDGET_MS", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1)))
        .isEqualTo(Duration.ofMillis(1500));
    CommonConfig common = CommonConfig.from(new Env(Map.of()));
    assertThat(common.kafkaBootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(common.topics().name(dev.hybridcdn.schemas.topics.CdnTopic.PEER_EVENTS)).isEqualTo("cdn.peer-events");
  }

  @Test
  void aBadValueNamesTheVariable() {
    assertThatThrownBy(() -> new Env(Map.of("HTTP_PORT", "80a")).port("HTTP_PORT", 1))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("HTTP_PORT='80a' is invalid");
    assertThatThrownBy(() -> new Env(Map.of("HTTP_PORT", "70000")).port("HTTP_PORT", 1))
        .hasMessageContaining("from 0 to 65535");
    assertThatThrownBy(() -> new Env(Map.of("ORIGIN_URL", "ftp://x")).httpUrl("ORIGIN_URL", null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ORIGIN_URL");
    assertThatThrownBy(() -> CommonConfig.from(new Env(Map.of("TOPIC_PREFIX", "bad prefix"))))
        .isInstanceOf(ConfigException.class).extracting(e -> ((ConfigException) e).variable())
        .isEqualTo("TOPIC_PREFIX");
    assertThatThrownBy(() -> new Env(Map.of("FLAG", "maybe")).bool("FLAG", false))
        .hasMessageContaining("true or false");
  }

  @Test
  void schemaRegistryUrlTurnsOnRegistryModeForEveryTopic() {
    CommonConfig plain = CommonConfig.from(new Env(Map.of()));
    assertThat(plain.schemaRegistryUrl()).isNull();
    assertThat(plain.topics().codec()).isSameAs(dev.hybridcdn.schemas.serde.SingleObjectCodec.instance());

    String url = "http://127.0.0.1:8085/apis/ccompat/v7";
    CommonConfig registry = CommonConfig.from(new Env(Map.of("SCHEMA_REGISTRY_URL", url + "/")));
    assertThat(registry.schemaRegistryUrl()).isEqualTo(url);
    assertThat(registry.topics().codec()).isInstanceOfSatisfying(RegistryCodec.class, c -> {
      assertThat(c.encoding()).isEqualTo(RegistryCodec.Encoding.CONFLUENT);
      assertThat(c.registry().baseUrl()).isEqualTo(url);
    });
    // One codec (and one cache of schema ids) per registry in a JVM, however often topics() is called.
    assertThat(registry.topics().codec()).isSameAs(CommonConfig.from(new Env(Map.of("SCHEMA_REGISTRY_URL", url)))
        .codec());
    CommonConfig migrating = CommonConfig.from(new Env(Map.of("SCHEMA_REGISTRY_URL", url,
        "EVENT_ENCODING", "single-object")));
    assertThat(((RegistryCodec) migrating.codec()).encoding()).isEqualTo(RegistryCodec.Encoding.SINGLE_OBJECT);

    assertThatThrownBy(() -> CommonConfig.from(new Env(Map.of("SCHEMA_REGISTRY_URL", "registry:8080"))))
        .isInstanceOf(ConfigException.class).extracting(e -> ((ConfigException) e).variable())
        .isEqualTo("SCHEMA_REGISTRY_URL");
    assertThatThrownBy(() -> CommonConfig.from(new Env(Map.of("EVENT_ENCODING", "avro"))))
        .isInstanceOf(ConfigException.class).extracting(e -> ((ConfigException) e).variable())
        .isEqualTo("EVENT_ENCODING");
  }
}
