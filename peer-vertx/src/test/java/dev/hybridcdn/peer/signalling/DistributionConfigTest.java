package dev.hybridcdn.peer.signalling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DistributionConfigTest {
  @Test
  void offUnlessASignallingOrTopologyUrlIsGiven() {
    DistributionConfig c = DistributionConfig.from(new Env(Map.of()));
    assertThat(c.enabled()).isFalse();
    assertThat(c.cacheShare()).isEqualTo(0.1);
    assertThat(c.pushedUploadSlots(4)).isEqualTo(2);
  }

  @Test
  void theTopologyUrlGivesTheSignallingEndpoint() {
    assertThat(DistributionConfig.from(new Env(Map.of("TOPOLOGY_URL", "https://topo:8090/"))).signallingUrl())
        .hasValueSatisfying(u -> assertThat(u.toString()).isEqualTo("wss://topo:8090/ws/signalling"));
    assertThat(DistributionConfig.from(new Env(Map.of("SIGNALLING_URL", "ws://127.0.0.1:7080/ws/signalling",
        "TOPOLOGY_URL", "http://topo:8090"))).signallingUrl().orElseThrow().getPort()).isEqualTo(7080);
  }

  @Test
  void sharesAreBoundedAndBadValuesNameTheirVariable() {
    DistributionConfig c = DistributionConfig.from(new Env(Map.of("SIGNALLING_URL", "ws://h:1/x",
        "PUSH_UPLINK_SHARE", "0.1", "PUSH_CACHE_SHARE", "0")));
    assertThat(c.pushedUploadSlots(4)).as("rounded up, at least 1").isEqualTo(1);
    assertThat(DistributionConfig.from(new Env(Map.of("PUSH_UPLINK_SHARE", "0"))).pushedUploadSlots(4)).isZero();
    assertThatThrownBy(() -> DistributionConfig.from(new Env(Map.of("SIGNALLING_URL", "http://h:1/x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("SIGNALLING_URL");
    assertThatThrownBy(() -> DistributionConfig.from(new Env(Map.of("PUSH_CACHE_SHARE", "1.5"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PUSH_CACHE_SHARE");
  }
}
