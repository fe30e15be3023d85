package dev.hybridcdn.ops.processes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.ops.Cdn;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackFileTest {
  static final ServiceProcess PEER = new ServiceProcess("peer-1", "peer", 4242, 9000, "http://127.0.0.1:9000",
      "/tmp/peer-1.log", List.of("java", "-jar", "peer-vertx.jar"), Map.of("PEER_ID", "peer-1"));
  static final ServiceProcess REDIS = new ServiceProcess("redis", "redis", 7, 6390, null, "", List.of(), Map.of());

  @Test
  void roundTripsAndReplacesOneProcessByName(@TempDir Path tmp) {
    StackFile f = new StackFile(1, "2026-11-29T19:40:00Z", Map.of("ORIGIN_URL", "http://127.0.0.1:8081"),
        List.of(REDIS, PEER));
    Path file = tmp.resolve("stack.json");
    f.write(file);
    StackFile back = StackFile.read(file).orElseThrow();
    assertThat(back).isEqualTo(f);
    assertThat(back.ofKind("peer")).containsExactly(PEER);
    assertThat(back.process("redis").orElseThrow().http()).isFalse();

    StackFile restarted = back.with(PEER.withPid(4343));
    assertThat(restarted.process("peer-1").orElseThrow().pid()).isEqualTo(4343);
    assertThat(restarted.processes()).extracting(ServiceProcess::name).containsExactly("redis", "peer-1");
    assertThat(StackFile.read(tmp.resolve("none.json"))).isEmpty();
  }

  @Test
  void aProcessWhosePidIsGoneIsDeadAndPsSaysSo(@TempDir Path tmp) {
    // A pid far above pid_max (4194304 on 64-bit Linux) never exists.
    ServiceProcess gone = PEER.withPid(99_999_999);
    assertThat(gone.alive()).isFalse();
    assertThat(gone.health(java.net.http.HttpClient.newHttpClient())).isEqualTo("DEAD");
    Path file = tmp.resolve("stack.json");
    new StackFile(1, "now", Map.of(), List.of(gone)).write(file);
    assertThat(Cdn.run("ps", "--state", file.toString())).isEqualTo(Cdn.EXIT_CHECK);
    assertThat(Cdn.run("ps", "--state", tmp.resolve("missing.json").toString())).isEqualTo(Cdn.EXIT_FAILURE);
  }
}
