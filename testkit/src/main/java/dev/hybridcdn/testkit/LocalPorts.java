package dev.hybridcdn.testkit;

import dev.hybridcdn.kafka.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Loopback port helpers for tests. */
public final class LocalPorts {
  private LocalPorts() {}

  /** True when something accepts TCP connections on 127.0.0.1:{@code port} within 500 ms. */
  public static boolean answers(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A port that was free a moment ago, outside the kernel's ephemeral range ({@link LoopbackPorts}). */
  public static int free() {
    return LoopbackPorts.free();
  }

  /** A loopback port nothing listens on (for "dependency down" tests). */
  public static int dead() {
    return free();
  }
}
