package dev.hybridcdn.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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

  /** A port that was free on loopback a moment ago. */
  public static int free() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A loopback port nothing listens on (for "dependency down" tests). */
  public static int dead() {
    return free();
  }
}
