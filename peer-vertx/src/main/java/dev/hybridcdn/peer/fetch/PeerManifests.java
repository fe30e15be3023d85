package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.peer.probe.Link;
import dev.hybridcdn.peer.probe.LinkTable;
import io.vertx.core.Future;

/**
 * One peer's view of the host's shared {@link ManifestStore}: a song's manifest is asked of this
 * peer's edges, lowest smoothed RTT first, {@code EDGE_TIMEOUT_MS} each.
 *
 * @param edgeTimeoutMs bound per edge, ms
 */
public record PeerManifests(ManifestStore store, LinkTable links, long edgeTimeoutMs) {
  /**
   * The song's manifest (cached for {@code MANIFEST_TTL_MS} by the store).
   *
   * @return fails with {@link SourceFailure} ({@code notFound()} when an edge answered 404)
   */
  public Future<Manifest> of(String songId) {
    return store.get(songId, links.edgesByRtt().stream().map(Link::url).toList(), edgeTimeoutMs);
  }

  /**
   * The entry of a segment the song's current manifest does not name (a superseded version),
   * described by this peer's edges ({@link ManifestStore#superseded}).
   */
  public Future<Manifest.Segment> superseded(String segmentId) {
    return store.superseded(segmentId, links.edgesByRtt().stream().map(Link::url).toList(), edgeTimeoutMs);
  }
}
