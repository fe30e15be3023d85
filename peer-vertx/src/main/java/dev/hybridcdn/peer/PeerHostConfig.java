package dev.hybridcdn.peer;

import dev.hybridcdn.peer.signalling.DistributionConfig;
import dev.hybridcdn.peer.warmstart.WarmStartConfig;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * N peers in one JVM (host mode). Peer {@code i} (0-based) gets id {@code <prefix><i+1>}, port
 * {@code firstPort + i} (or a free port when {@code firstPort} is 0) and region
 * {@code regions[i % regions.size()]} (round-robin). With {@code PEER_COUNT=1} and {@code PEER_ID}
 * set, the one peer keeps {@code PEER_ID}; without it, it is {@code <prefix>1}.
 *
 * @param peerCount {@code PEER_COUNT}, default 1
 * @param firstPort {@code HTTP_PORT}, default 9000; 0 = a free port for every peer
 * @param idPrefix {@code PEER_ID_PREFIX}, default {@code peer-}
 * @param regions {@code REGIONS}, comma-separated, default the value of {@code REGION}
 * @param template every other setting ({@link PeerConfig#from(Env)})
 * @param addresses {@code PEER_ADDRESSES}, comma-separated, default none: peer {@code i} binds,
 *     advertises and connects from {@code addresses[i]} ({@link PeerConfig#withAddress}); peers
 *     beyond the list keep {@code BIND_HOST} / {@code ADVERTISED_HOST}
 * @param topicsTimeout {@code TOPICS_TIMEOUT_MS}: how long start waits for Kafka to make sure the
 *     topics exist, default 10000; 0 skips it. Past it the host starts anyway (events stay buffered).
 * @param trust {@code CLUSTER_SECRET}, {@code EVENT_AUTH}, {@code ADMISSION_TTL_MS} (service-kit
 *     {@code TrustSettings}): with a secret the host admits its peers and they sign every event
 * @param playerTokens {@code PLAYER_TOKEN_SECRET} (service-kit {@code PlayerTokens}): with it, playlists and
 *     segments need a signed token (players and other peers alike; peers sign their own); null (unset): open
 * @param distribution {@code SIGNALLING_URL}, {@code PUSH_*} ({@link DistributionConfig})
 * @param warmStarts {@code WARM_START_*} ({@link WarmStartConfig}): the start of popular songs kept ready
 * @param relays {@code PEER_RELAYS}, comma-separated, one entry per peer index, default none (every
 *     peer as the template says): an empty entry keeps peer {@code i} as the template has it, an
 *     entry naming another hosted peer ({@code <prefix><k>}) puts peer {@code i} behind NAT
 *     ({@code ACCEPTS_INBOUND=false}) with that peer as its relay ({@code RELAY_URL} = its base URL,
 *     known only once it listens, so such peers start after the others). A relay must accept inbound
 *     connections (its own entry empty). Per-peer because a local stack hosts many peers in one JVM
 *     and its emulated network puts only some behind NAT (issue 15).
 * @param uplinks {@code PEER_UPLINKS}, comma-separated bit/s, one per peer index, default none:
 *     peer {@code i}'s {@code UPLINK_BITS_PER_SECOND} ({@link PeerConfig#withUplink}; a local
 *     stack's emulated uplinks); peers beyond the list keep the template's
 */
public record PeerHostConfig(int peerCount, int firstPort, String idPrefix, List<String> regions,
    PeerConfig template, List<String> addresses, Duration topicsTimeout, TrustSettings trust,
    PlayerTokens playerTokens, DistributionConfig distribution, WarmStartConfig warmStarts, List<String> relays,
    List<Long> uplinks) {

  public static final Duration DEFAULT_TOPICS_TIMEOUT = Duration.ofSeconds(10);

  public PeerHostConfig {
    if (peerCount < 0) {
      throw new ConfigException("PEER_COUNT", String.valueOf(peerCount), "0 or more");
    }
    regions = List.copyOf(regions);
    addresses = List.copyOf(addresses);
    relays = List.copyOf(relays);
    uplinks = List.copyOf(uplinks);
    checkRelays(relays, peerCount, idPrefix);
    if (regions.isEmpty()) {
      throw new ConfigException("REGIONS", "", "at least one region");
    }
  }

  public static PeerHostConfig from(Env env) {
    PeerConfig template = PeerConfig.from(env);
    int count = env.integer("PEER_COUNT", 1, 0, 10_000);
    String prefix = env.string("PEER_ID_PREFIX", "peer-", s -> s.matches("[A-Za-z0-9._-]{1,50}"),
        "[A-Za-z0-9._-]{1,50}");
    List<String> regions = new ArrayList<>();
    for (String r : env.string("REGIONS", template.region()).split(",")) {
      if (!r.isBlank()) {
        if (!Ids.isRegion(r.strip())) {
          throw new ConfigException("REGIONS", env.raw("REGIONS"), "comma-separated regions such as eu-west,us-east");
        }
        regions.add(r.strip());
      }
    }
    if (env.raw("PEER_ID") == null) {
      // no explicit id: the one peer of a one-peer host is <prefix>1 like peer 1 of a larger host
      template = template.withIdentity(prefix + "1", template.region(), template.httpPort());
    }
    if (count > 1 && template.httpPort() != 0 && template.httpPort() + count - 1 > 65535) {
      throw new ConfigException("PEER_COUNT", String.valueOf(count), "a count that fits above HTTP_PORT");
    }
    List<String> addresses = new ArrayList<>();
    for (String a : env.string("PEER_ADDRESSES", "").split(",")) {
      if (!a.isBlank()) {
        if (!a.strip().matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
          throw new ConfigException("PEER_ADDRESSES", env.raw("PEER_ADDRESSES"), "comma-separated IPv4 addresses");
        }
        addresses.add(a.strip());
      }
    }
    List<String> relays = new ArrayList<>();
    String rawRelays = env.string("PEER_RELAYS", "");
    if (!rawRelays.isBlank()) {
      for (String r : rawRelays.split(",", -1)) {
        relays.add(r.strip());
      }
    }
    List<Long> uplinks = new ArrayList<>();
    for (String u : env.string("PEER_UPLINKS", "").split(",")) {
      if (!u.isBlank()) {
        if (!u.strip().matches("\\d{1,12}")) {
          throw new ConfigException("PEER_UPLINKS", env.raw("PEER_UPLINKS"), "comma-separated bit/s (whole numbers)");
        }
        uplinks.add(Long.parseLong(u.strip()));
      }
    }
    return new PeerHostConfig(count, template.httpPort(), prefix, regions, template, addresses,
        env.millis("TOPICS_TIMEOUT_MS", DEFAULT_TOPICS_TIMEOUT, Duration.ZERO, Duration.ofMinutes(10)),
        TrustSettings.from(env), PlayerTokens.from(env), DistributionConfig.from(env), WarmStartConfig.from(env),
        relays, uplinks);
  }

  /**
   * {@code PEER_RELAYS}: at most one entry per peer; each empty or a hosted peer's id other than its
   * own whose entry is empty.
   *
   * @throws ConfigException naming {@code PEER_RELAYS}
   */
  private static void checkRelays(List<String> relays, int peerCount, String prefix) {
    String raw = String.join(",", relays);
    if (relays.size() > peerCount) {
      throw new ConfigException("PEER_RELAYS", raw, "at most PEER_COUNT (" + peerCount + ") entries");
    }
    for (int i = 0; i < relays.size(); i++) {
      String r = relays.get(i);
      if (r.isEmpty()) {
        continue;
      }
      int k = hostedIndex(r, prefix, peerCount);
      if (k < 0 || k == i || (k < relays.size() && !relays.get(k).isEmpty())) {
        throw new ConfigException("PEER_RELAYS", raw, "entry " + (i + 1) + " ('" + r + "'): empty, or the id of"
            + " another hosted peer (" + prefix + "1.." + prefix + peerCount + ") that is itself no NAT'd peer");
      }
    }
  }

  /** The 0-based index of a hosted peer's id ({@code <prefix><i+1>}), -1 when it is none. */
  public static int hostedIndex(String id, String prefix, int peerCount) {
    if (!id.startsWith(prefix) || !id.substring(prefix.length()).matches("[1-9][0-9]{0,5}")) {
      return -1;
    }
    int k = Integer.parseInt(id.substring(prefix.length())) - 1;
    return k < peerCount ? k : -1;
  }

  /** The relay of peer {@code index} ({@code PEER_RELAYS}), null when it accepts inbound connections. */
  public String relayOf(int index) {
    return index < relays.size() && !relays.get(index).isEmpty() ? relays.get(index) : null;
  }

  /** The config of peer {@code index} (0-based). */
  public PeerConfig peer(int index) {
    String id = peerCount == 1 && index == 0 ? template.peerId() : idPrefix + (index + 1);
    int port = firstPort == 0 ? 0 : firstPort + index;
    PeerConfig c = template.withIdentity(id, regions.get(index % regions.size()), port);
    if (index < uplinks.size()) {
      c = c.withUplink(uplinks.get(index));
    }
    return index < addresses.size() ? c.withAddress(addresses.get(index)) : c;
  }
}
