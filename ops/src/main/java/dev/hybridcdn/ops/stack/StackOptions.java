package dev.hybridcdn.ops.stack;

import dev.hybridcdn.servicekit.network.FrontPlacement;
import dev.hybridcdn.servicekit.network.NetworkModel;
import java.nio.file.Path;
import java.util.List;

/**
 * How a local stack is laid out.
 *
 * @param dataDir data of the embedded servers and Streams state
 * @param defaultPorts true: the default ports of ARCHITECTURE.md (origin 8081, edges 8082/8083,
 *     tracker 7070, topology 8090, peers from 9000), as {@code cdn up} uses; false: free ports
 * @param regions regions of the edges and peers (edge {@code i} and peer {@code i} get
 *     {@code regions[i % n]})
 * @param topicPrefix topic name prefix, default {@code cdn.}
 * @param peerCacheBytes byte budget of each peer's segment cache
 * @param trackers instances of the tracker application (same application id; instance {@code i}
 *     on port {@code 7070 + i} with default ports), 1 to 5; peers get all their URLs
 * @param schemaRegistryUrl {@code SCHEMA_REGISTRY_URL} every service gets (registry mode), or null
 * @param network the emulated network every HTTP exchange between origin, edges and peers goes
 *     through (service-kit {@code ShapedNetwork}); null: plain loopback (the default)
 * @param tlsDir where a local CA and a certificate per service are made ({@code cdn up --tls},
 *     {@code .cdn/tls}): every service serves HTTPS and trusts the CA; null: plain HTTP. Not with
 *     {@code network} (the certificates name loopback only, not the emulated nodes' addresses)
 * @param playerTokenSecret {@code PLAYER_TOKEN_SECRET} of the edges, peers and dashboard ({@code --auth}): player
 *     routes need a signed token; null: open (the default)
 * @param fronts where the emulated network's fronts run ({@code network} only): this JVM (the default) or a
 *     child JVM of their own, so this one keeps its open files for the nodes ({@code cdn eval --scale})
 */
public record StackOptions(Path dataDir, boolean defaultPorts, List<String> regions, String topicPrefix,
    long peerCacheBytes, int trackers, String schemaRegistryUrl, NetworkModel network, Path tlsDir,
    String playerTokenSecret, FrontPlacement fronts) {
  /** Most tracker instances a local stack runs. */
  public static final int MAX_TRACKERS = 5;

  public StackOptions {
    fronts = fronts == null ? FrontPlacement.THIS_JVM : fronts;
    if (trackers < 1 || trackers > MAX_TRACKERS) {
      throw new IllegalArgumentException("trackers must be 1 to " + MAX_TRACKERS + ", got " + trackers);
    }
    if (tlsDir != null && network != null) {
      throw new IllegalArgumentException("TLS under an emulated network is not supported: the certificates name "
          + "127.0.0.1 and localhost, not the nodes' addresses");
    }
  }

  /** Two regions, the default topic prefix, 32 MiB peer caches (a phone-sized cache), one tracker. */
  public static StackOptions of(Path dataDir, boolean defaultPorts) {
    return new StackOptions(dataDir, defaultPorts, List.of("eu-west", "us-east"), "cdn.", 32L << 20, 1, null, null, null,
        null, FrontPlacement.THIS_JVM);
  }

  /** The same layout with {@code n} tracker instances. */
  public StackOptions withTrackers(int n) {
    return new StackOptions(dataDir, defaultPorts, regions, topicPrefix, peerCacheBytes, n, schemaRegistryUrl, network,
        tlsDir, playerTokenSecret, fronts);
  }

  /** The same layout in registry mode: events in the Confluent format through the registry at {@code url}. */
  public StackOptions withSchemaRegistry(String url) {
    return new StackOptions(dataDir, defaultPorts, regions, topicPrefix, peerCacheBytes, trackers, url, network,
        tlsDir, playerTokenSecret, fronts);
  }

  /** The same layout under an emulated network (null: none). */
  public StackOptions withNetwork(NetworkModel model) {
    return new StackOptions(dataDir, defaultPorts, regions, topicPrefix, peerCacheBytes, trackers, schemaRegistryUrl,
        model, tlsDir, playerTokenSecret, fronts);
  }

  /** The same layout over HTTPS: a local CA and certificates made in {@code dir} (null: plain HTTP). */
  public StackOptions withTls(Path dir) {
    return new StackOptions(dataDir, defaultPorts, regions, topicPrefix, peerCacheBytes, trackers, schemaRegistryUrl,
        network, dir, playerTokenSecret, fronts);
  }

  /** The same layout with player tokens required under {@code secret} (null: open). */
  public StackOptions withPlayerTokens(String secret) {
    return new StackOptions(dataDir, defaultPorts, regions, topicPrefix, peerCacheBytes, trackers, schemaRegistryUrl,
        network, tlsDir, secret, fronts);
  }
}
