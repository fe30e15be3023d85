package dev.hybridcdn.ops.swarm;

import dev.hybridcdn.contract.hls.Playlists;
import dev.hybridcdn.contract.hls.SteeringManifest;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One player's view of the pathways of a master playlist, kept by the rules hls.js 1.7 follows
 * ({@code ContentSteeringController}; HLS Content Steering, draft-pantos-hls-rfc8216bis section
 * 7.2): start on the playlist's initial pathway; the steering manifest's {@code PATHWAY-PRIORITY}
 * picks the first pathway that is not penalised and has variants; {@code PATHWAY-CLONES} add
 * pathways (the base pathway's URIs with another host); a failed request (no answer, 5xx, timeout)
 * penalises the current pathway and moves to the next one of the priority (the playlist's order
 * before any manifest came); the manifest is reloaded every {@code TTL}. Not thread-safe: one
 * player's requests are sequential.
 */
final class Pathways {
  /** The master playlist as read; clones copy its pathways. No steering manifest yet means a reload is due at once, as hls.js loads one on start. */
  private final Playlists.Steering master;
  private final List<Playlists.PathwayVariant> variants;
  private final Set<String> penalised = new HashSet<>();
  private List<String> priority;
  private String current;
  private String reloadUri;
  private long nextReloadMs;

  Pathways(Playlists.Steering master) {
    this.master = master;
    this.variants = new ArrayList<>(master.variants());
    this.priority = master.pathways();
    this.current = master.variants().stream().anyMatch(v -> v.pathwayId().equals(master.initialPathway()))
        ? master.initialPathway() : priority.get(0);
    this.reloadUri = master.serverUri();
  }

  /** The pathway requests go to now. */
  String current() {
    return current;
  }

  /** The variants of the current pathway, in playlist order. */
  List<Playlists.PathwayVariant> variants() {
    return variants.stream().filter(v -> v.pathwayId().equals(current)).toList();
  }

  /** The current pathway's variant with this stable id, else its first. */
  Playlists.PathwayVariant variant(String stableVariantId) {
    List<Playlists.PathwayVariant> vs = variants();
    return vs.stream().filter(v -> v.stableVariantId().equals(stableVariantId)).findFirst().orElse(vs.get(0));
  }

  /**
   * A request on the current pathway failed: penalise it and move to the next usable pathway.
   *
   * @return false when no other pathway is left (the request fails for good)
   */
  boolean failOver() {
    penalised.add(current);
    return choose();
  }

  /** The steering URL to load now, with {@code _HLS_pathway} and {@code _HLS_throughput}; null when none is due. */
  String reloadDue(long nowMs, long throughputBitsPerSecond) {
    if (reloadUri == null || nowMs < nextReloadMs) {
      return null;
    }
    String sep = reloadUri.contains("?") ? "&" : "?";
    return reloadUri + sep + "_HLS_pathway=" + URLEncoder.encode(current, StandardCharsets.UTF_8)
        + "&_HLS_throughput=" + throughputBitsPerSecond;
  }

  /** A steering reload failed: try again after {@code retryMs}, keep the priority (hls.js does the same). */
  void reloadFailed(long nowMs, long retryMs) {
    nextReloadMs = nowMs + retryMs;
  }

  /**
   * Applies a steering manifest loaded from {@code url}.
   *
   * @return true when the current pathway changed
   */
  boolean apply(SteeringManifest m, String url, long nowMs) {
    nextReloadMs = nowMs + m.ttlSeconds() * 1000;
    if (m.reloadUri() != null) {
      reloadUri = URI.create(url).resolve(m.reloadUri()).toString();
    }
    for (SteeringManifest.PathwayClone c : m.pathwayClones()) {
      if (variants.stream().noneMatch(v -> v.pathwayId().equals(c.id()))) {
        for (Playlists.PathwayVariant v : master.of(c.baseId())) {
          URI u = URI.create(v.uri());
          variants.add(new Playlists.PathwayVariant(c.id(), v.stableVariantId(),
              u.getScheme() + "://" + c.host() + u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()),
              v.bandwidth()));
        }
      }
    }
    String before = current;
    priority = m.pathwayPriority();
    choose();
    return !before.equals(current);
  }

  /** The first pathway of the priority that is not penalised and has variants; false when there is none. */
  private boolean choose() {
    for (String p : priority) {
      if (!penalised.contains(p) && variants.stream().anyMatch(v -> v.pathwayId().equals(p))) {
        current = p;
        return true;
      }
    }
    return false;
  }
}
