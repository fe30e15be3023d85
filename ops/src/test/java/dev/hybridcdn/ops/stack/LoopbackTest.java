package dev.hybridcdn.ops.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.dashboard.DashboardConfig;
import dev.hybridcdn.edge.EdgeConfig;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.peer.PeerHostConfig;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.topology.TopologyConfig;
import dev.hybridcdn.tracker.TrackerConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 16: every service of a local stack listens on loopback only; a service alone on every interface. */
class LoopbackTest {
  @Test
  void everyServiceOfALocalStackBindsLoopback() {
    Env env = new Env(LocalStack.baseEnv("127.0.0.1:9092", "cdn.", 5432, "redis://127.0.0.1:6379"));
    List<String> hosts = List.of(OriginConfig.from(env).common().bindHost(), EdgeConfig.from(env).common().bindHost(),
        TrackerConfig.from(env).common().bindHost(), TopologyConfig.from(env).common().bindHost(),
        DashboardConfig.from(env).common().bindHost(), PeerHostConfig.from(env).template().bindHost());
    assertThat(hosts).containsOnly("127.0.0.1");
  }

  @Test
  void aServiceOnItsOwnListensOnEveryInterface() {
    assertThat(CommonConfig.from(new Env(Map.of())).bindHost()).isEqualTo(CommonConfig.ALL_INTERFACES);
    assertThat(PeerHostConfig.from(new Env(Map.of())).template().bindHost()).isEqualTo("0.0.0.0");
  }
}
