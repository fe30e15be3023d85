package dev.hybridcdn.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for the local stacks, the benchmarks and the tests: a port is picked now and bound later,
 * often by another process seconds later.
 *
 * <p>Why not {@code new ServerSocket(0)}: the kernel hands out those ports from its ephemeral range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}, 32768-60999 by default), the same range every outgoing
 * connection takes its local port from. Between the pick and the bind, the Kafka clients, the JDBC and Redis
 * pools and the HTTP clients of a starting stack open hundreds of connections, and one of them can take the
 * picked port: the service then exits at start with "Address already in use" (a CI run lost {@code ChaosIT}
 * to it, 2026-12-02). This picks below the ephemeral range instead ({@value #LOWEST} up to the range's start),
 * where only listeners that chose the port themselves can be, checks that nothing listens on it, and never
 * hands out the same port twice in one JVM. Where the ephemeral range leaves no room below it (fewer than
 * 1,000 ports), it falls back to the kernel's pick.
 */
public final class LoopbackPorts {
  /** The lowest port picked: above every default port of the stack (PostgreSQL, Redis, Kafka, the services). */
  static final int LOWEST = 20_000;
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  private static final int DEFAULT_EPHEMERAL_START = 32_768;
  /** The first port of the ephemeral range, read once: a sysctl that changes while a stack runs is not a case. */
  static final int EPHEMERAL_START = ephemeralStart();
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  private LoopbackPorts() {}

  /**
   * A port nothing listened on a moment ago, on any address, outside the kernel's ephemeral range.
   *
   * @return a TCP port, 1024-65535
   * @throws UncheckedIOException when no port in the range can be bound
   */
  public static int free() {
    int end = EPHEMERAL_START;
    if (end - LOWEST < 1_000) {
      return kernelPick();
    }
    int span = end - LOWEST;
    int start = ThreadLocalRandom.current().nextInt(span);
    for (int i = 0; i < span; i++) {
      int port = LOWEST + (start + i) % span;
      if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
        return port;
      }
    }
    throw new UncheckedIOException(new IOException("no free TCP port in " + LOWEST + "-" + (end - 1)));
  }

  /** The first port of the kernel's ephemeral range, or 32768 where it cannot be read (not Linux). */
  private static int ephemeralStart() {
    try {
      // Read line by line: Files.readString trusts the size procfs reports and returns the first byte only.
      String[] range = Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      return DEFAULT_EPHEMERAL_START;
    }
  }

  /** True when a listener can bind {@code port} on every address (so nothing listens on any of them). */
  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true); // a port left in TIME_WAIT is free for a server, as it is for Vert.x and Kafka
      s.bind(new InetSocketAddress(port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int kernelPick() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
