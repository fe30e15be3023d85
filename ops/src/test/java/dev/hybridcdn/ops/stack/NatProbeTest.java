package dev.hybridcdn.ops.stack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The NAT probe's failure reasons add up across peers but keep why a path was refused. */
class NatProbeTest {
  @Test
  void reasonsDropNodeIdsButKeepWhyAPathWasRefused() {
    assertThat(NatProbe.reason(new IllegalStateException(
        "no relay path to hybrid-peer-5 (topology: hybrid-peer-3,edge-1,hybrid-peer-5, through the edge edge-1)")))
        .isEqualTo("no relay path to <peer> (topology path: through the edge edge-1)");
    assertThat(NatProbe.reason(new IllegalStateException("no relay path to peer-2 (topology: peer-1,a,b,c,peer-2, 4 hops)")))
        .isEqualTo("no relay path to <peer> (topology path: 4 hops)");
    assertThat(NatProbe.reason(new IllegalStateException("no address known for peer-12")))
        .isEqualTo("no address known for <peer>");
  }
}
