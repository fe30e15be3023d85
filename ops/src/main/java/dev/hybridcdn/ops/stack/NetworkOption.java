package dev.hybridcdn.ops.stack;

import dev.hybridcdn.servicekit.network.NetworkModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --network FILE}: the emulated network a local stack runs under (service-kit
 * {@code NetworkModel}, YAML). The shipped default is {@code ops/src/main/resources/network/default.yaml}.
 */
public final class NetworkOption {
  /** Class-path resource of the shipped model. */
  public static final String DEFAULT_RESOURCE = "/network/default.yaml";

  @Option(names = "--network", paramLabel = "FILE",
      description = "Emulated network (YAML: regions, latencies, bandwidths, NAT); see ops/src/main/resources/network/default.yaml;"
          + " 'none': plain loopback.")
  Path file;

  /** The file of {@code --network}, or {@code default.yaml}. */
  @Override
  public String toString() {
    return file != null ? file.toString() : "default.yaml";
  }

  /** True when {@code --network} was given. */
  public boolean given() {
    return file != null;
  }

  /**
   * The model of {@code --network}, else the shipped default; null for {@code --network none}.
   *
   * @throws IllegalArgumentException naming the file and the field when the model is invalid
   */
  public NetworkModel modelOrDefault() {
    if (file != null && file.toString().equals("none")) {
      return null;
    }
    return file != null ? NetworkModel.load(file) : shipped();
  }

  /** The shipped default model. */
  public static NetworkModel shipped() {
    try (InputStream in = NetworkOption.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the shipped network model " + DEFAULT_RESOURCE + " is missing from the class path");
      }
      return NetworkModel.read(in, DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
