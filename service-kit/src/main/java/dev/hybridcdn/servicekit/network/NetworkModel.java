package dev.hybridcdn.servicekit.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An emulated wide-area network for a local stack, read from YAML (ops ships
 * {@code network/default.yaml}). Nodes are peers, edges and the origin, each in a region. The
 * one-way latency between two nodes is {@code access[kind a] + access[kind b] + regions[a][b]}
 * (last mile of each end plus the backbone between their regions), plus a jitter drawn once per
 * connection from {@code [0, jitterMs]}; a node talking to itself (a player and its own peer on one
 * machine) has none. Bandwidths are drawn per node, log-uniform between {@code min} and {@code max}.
 *
 * @param seed seeds every draw (bandwidths, NAT, jitter, resets), so two runs of one model match
 * @param regions one-way backbone latency in ms between regions; {@code regions[a][b]} or
 *     {@code regions[b][a]} must exist for every pair of regions in use ({@code [a][a]}: inside a region)
 * @param access one-way last-mile latency in ms of each node kind ({@code peer}, {@code edge}, {@code origin})
 * @param jitterMs largest extra one-way latency of a connection, ms
 * @param originRegion the origin's region
 * @param bandwidth uplink and downlink of each node kind, Mbit/s
 * @param resetRate probability that a response chunk (at most 16 KiB) is the last one before the
 *     connection is reset; 0 (default) never
 * @param natShare share of peers that accept no inbound connection from other peers (NAT without
 *     port mapping; their own player still reaches them), 0 to 1
 */
public record NetworkModel(long seed, Map<String, Map<String, Double>> regions, Map<NodeKind, Double> access,
    double jitterMs, String originRegion, Map<NodeKind, Links> bandwidth, double resetRate, double natShare) {

  /** A range of rates in Mbit/s; {@code min == max} gives every node the same rate. */
  public record Range(@JsonProperty("min") double min, @JsonProperty("max") double max) {
    public Range {
      if (!(min > 0) || max < min) {
        throw new IllegalArgumentException("a bandwidth range needs 0 < min <= max, got " + min + ".." + max);
      }
    }
  }

  /** Uplink and downlink ranges of one node kind, Mbit/s. */
  public record Links(@JsonProperty("uplink") Range uplink, @JsonProperty("downlink") Range downlink) {
    public Links {
      if (uplink == null || downlink == null) {
        throw new IllegalArgumentException("bandwidth needs uplink and downlink");
      }
    }
  }

  public NetworkModel {
    if (regions == null || regions.isEmpty()) {
      throw new IllegalArgumentException("regions: at least one region with its latencies");
    }
    regions = Map.copyOf(regions);
    access = access == null ? Map.of() : Map.copyOf(access);
    for (NodeKind k : NodeKind.values()) {
      if (bandwidth == null || bandwidth.get(k) == null) {
        throw new IllegalArgumentException("bandwidth." + k.yamlName() + " is missing");
      }
    }
    bandwidth = Map.copyOf(bandwidth);
    if (jitterMs < 0 || resetRate < 0 || resetRate > 1 || natShare < 0 || natShare > 1) {
      throw new IllegalArgumentException("jitterMs >= 0, resetRate and natShare in [0, 1]");
    }
    if (originRegion == null || !regions.containsKey(originRegion)) {
      throw new IllegalArgumentException("originRegion must be one of " + regions.keySet() + ", got " + originRegion);
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(com.fasterxml.jackson.databind.MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS);

  /**
   * Reads a model.
   *
   * @throws IllegalArgumentException naming the file and what is wrong (unknown field, bad value)
   */
  public static NetworkModel load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read network model " + file, e);
    }
  }

  /** Reads a model from a stream (a class-path resource); {@code name} is for messages. */
  public static NetworkModel read(InputStream in, String name) {
    try {
      return YAML.readValue(in, NetworkModel.class);
    } catch (IOException e) {
      Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
      throw new IllegalArgumentException("network model " + name + ": " + cause.getMessage(), e);
    }
  }

  /**
   * One-way backbone latency between two regions, ms.
   *
   * @throws IllegalArgumentException when the model has no latency for the pair
   */
  public double backboneMs(String a, String b) {
    Double v = lookup(a, b);
    if (v == null) {
      v = lookup(b, a);
    }
    if (v == null) {
      throw new IllegalArgumentException("network model has no latency between regions " + a + " and " + b);
    }
    return v;
  }

  private Double lookup(String a, String b) {
    Map<String, Double> row = regions.get(a);
    return row == null ? null : row.get(b);
  }

  /** One-way latency in ms between two distinct nodes, without jitter. */
  public double oneWayMs(NetNode a, NetNode b) {
    if (a.address().equals(b.address())) {
      return 0;
    }
    return access.getOrDefault(a.kind(), 0.0) + access.getOrDefault(b.kind(), 0.0) + backboneMs(a.region(), b.region());
  }
}
