package dev.hybridcdn.peer.playlist;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.hls.SteeringManifest;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.peer.PeerConfig;
import dev.hybridcdn.peer.fetch.Http;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import io.vertx.core.Future;
import io.vertx.ext.web.client.WebClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pathways a peer's master playlist offers its players (HLS Content Steering,
 * draft-pantos-hls-rfc8216bis section 7.2): this peer first, then the backup peer of its region
 * the tracker's steering server names (a {@code PATHWAY-CLONES} entry of its answer), then the
 * peer's edges, those of its own region first, then by smoothed RTT. Each pathway's id is the
 * server's node id and its variant URIs are absolute on that server, whose media playlists list
 * segments on itself. {@code SERVER-URI} is the tracker's {@code /steering/{songId}} with this
 * peer's id, region and edge pathways, so a player reloads the priority every {@code TTL} and a
 * dead peer's pathway drops out. Without P2P (no tracker) the pathways are redundant streams only.
 *
 * <p>The backup is asked once per steering {@code TTL} (at most {@code TRACKER_TIMEOUT_MS}); a
 * tracker that does not answer leaves it out of the master playlist (players still get it from
 * the steering server as a clone once it answers).
 */
public final class SteeringPathways {
  private static final Logger LOG = LoggerFactory.getLogger(SteeringPathways.class);
  private final WebClient client;
  private final PeerConfig config;
  private final LinkTable links;
  private final Supplier<String> selfBaseUrl;
  private final Supplier<String> trackerUrl;
  private volatile Backup cached = new Backup(null, 0);

  private record Backup(Playlists.Pathway pathway, long untilMs) {}

  /**
   * @param selfBaseUrl this peer's advertised base URL (known once its port is bound)
   * @param trackerUrl the tracker instance the peer's lookups use now, the steering server of its players
   */
  public SteeringPathways(WebClient client, PeerConfig config, LinkTable links, Supplier<String> selfBaseUrl,
      Supplier<String> trackerUrl) {
    this.client = client;
    this.config = config;
    this.links = links;
    this.selfBaseUrl = selfBaseUrl;
    this.trackerUrl = trackerUrl;
  }

  /**
   * The master playlist for this peer's players.
   *
   * @param upstream the edge's master playlist (variant URIs relative to it)
   * @return never fails: a tracker that does not answer only costs the backup pathway
   */
  public Future<String> master(String songId, String upstream) {
    List<Playlists.Pathway> edges = edgePathways();
    if (!config.p2pEnabled()) {
      return Future.succeededFuture(Playlists.withPathways(upstream, CdnPaths.master(songId),
          pathways(null, edges), null));
    }
    String steeringUri = steeringUri(songId, edges);
    return backup(steeringUri).map(b -> Playlists.withPathways(upstream, CdnPaths.master(songId),
        pathways(b, edges), steeringUri));
  }

  private List<Playlists.Pathway> pathways(Playlists.Pathway backup, List<Playlists.Pathway> edges) {
    List<Playlists.Pathway> out = new ArrayList<>();
    out.add(new Playlists.Pathway(config.peerId(), selfBaseUrl.get()));
    if (backup != null) {
      out.add(backup);
    }
    out.addAll(edges);
    return out;
  }

  /** Edges of this peer's region first, then the others; each by smoothed RTT; one pathway per id. */
  private List<Playlists.Pathway> edgePathways() {
    List<Link> edges = new ArrayList<>(links.edgesByRtt());
    edges.sort(Comparator.comparingInt(l -> config.region().equals(l.region()) ? 0 : 1));
    Set<String> ids = new LinkedHashSet<>();
    List<Playlists.Pathway> out = new ArrayList<>();
    for (Link l : edges) {
      if (SteeringManifest.PATHWAY_ID.matcher(l.id()).matches() && !l.id().equals(config.peerId()) && ids.add(l.id())) {
        out.add(new Playlists.Pathway(l.id(), l.url()));
      }
    }
    return out;
  }

  private String steeringUri(String songId, List<Playlists.Pathway> edges) {
    String edgeIds = String.join(",", edges.stream().map(Playlists.Pathway::id).toList());
    // The tracker instance this peer's lookups use now (TrackerClient fails over between TRACKER_URLS).
    return trackerUrl.get() + "/steering/" + songId + "?peer=" + config.peerId() + "&region=" + config.region()
        + (edgeIds.isEmpty() ? "" : "&edges=" + URLEncoder.encode(edgeIds, StandardCharsets.UTF_8));
  }

  /** The backup peer the steering server names for this peer, cached for its TTL. */
  private Future<Playlists.Pathway> backup(String steeringUri) {
    Backup b = cached;
    long now = System.currentTimeMillis();
    if (now < b.untilMs()) {
      return Future.succeededFuture(b.pathway());
    }
    long timeoutMs = config.trackerTimeout().toMillis();
    return Http.get(client, steeringUri, timeoutMs, null, null).transform(ar -> {
      Playlists.Pathway found = null;
      long ttlMs = 1000;
      try {
        if (ar.succeeded() && ar.result().statusCode() == 200) {
          SteeringManifest m = SteeringManifest.parse(ar.result().bodyAsString());
          ttlMs = m.ttlSeconds() * 1000;
          found = m.pathwayClones().stream().filter(c -> !c.id().equals(config.peerId())).findFirst()
              .map(c -> new Playlists.Pathway(c.id(), URI.create(selfBaseUrl.get()).getScheme() + "://" + c.host()))
              .orElse(null);
        } else {
          LOG.debug("peer {}: steering server {} did not answer: {}", config.peerId(), steeringUri,
              ar.succeeded() ? ar.result().statusCode() : Http.reason(ar.cause(), timeoutMs));
        }
      } catch (IllegalArgumentException e) {
        LOG.warn("peer {}: steering server {} answered no steering manifest: {}", config.peerId(), steeringUri,
            e.getMessage());
      }
      cached = new Backup(found, System.currentTimeMillis() + ttlMs);
      return Future.succeededFuture(found);
    });
  }
}
