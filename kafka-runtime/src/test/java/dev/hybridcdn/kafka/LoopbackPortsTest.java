package dev.hybridcdn.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link LoopbackPorts}: ports the stacks bind seconds after the pick, where no outgoing connection can be. */
class LoopbackPortsTest {
  @Test
  void picksDistinctBindablePortsBelowTheEphemeralRange() throws Exception {
    int ephemeralStart = LoopbackPorts.EPHEMERAL_START;
    Set<Integer> picked = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = LoopbackPorts.free();
      assertThat(picked.add(port)).as("port %d handed out twice", port).isTrue();
      assertThat(port).as("outside the range outgoing connections take ports from")
          .isBetween(LoopbackPorts.LOWEST, ephemeralStart - 1);
    }
    for (int port : picked.stream().limit(20).toList()) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        assertThat(s.getLocalPort()).isEqualTo(port);
      }
    }
  }

  @Test
  void neverPicksAPortSomethingListensOn() throws Exception {
    // Hold 300 ports of the range: none of them may be picked while they are held.
    Set<Integer> held = new HashSet<>();
    List<ServerSocket> listeners = new ArrayList<>();
    try {
      for (int port = LoopbackPorts.LOWEST; held.size() < 300 && port < LoopbackPorts.EPHEMERAL_START; port++) {
        try {
          ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
          listeners.add(s);
          held.add(port);
        } catch (IOException taken) {
          held.add(port); // something else listens there: not pickable either
        }
      }
      for (int i = 0; i < 500; i++) {
        assertThat(held).doesNotContain(LoopbackPorts.free());
      }
    } finally {
      for (ServerSocket s : listeners) {
        s.close();
      }
    }
  }
}
