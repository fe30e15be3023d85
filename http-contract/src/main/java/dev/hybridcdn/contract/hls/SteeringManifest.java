package dev.hybridcdn.contract.hls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An HLS Content Steering manifest (Apple, "HLS Content Steering Specification" v1.2; referenced by
 * draft-pantos-hls-rfc8216bis section 7.2): the JSON a steering server answers to the
 * {@code SERVER-URI} of {@code EXT-X-CONTENT-STEERING}, e.g.
 * {@code {"VERSION":1,"TTL":10,"RELOAD-URI":"...","PATHWAY-PRIORITY":["peer-1","peer-7","edge-1"],
 * "PATHWAY-CLONES":[{"BASE-ID":"peer-1","ID":"peer-7","URI-REPLACEMENT":{"HOST":"127.0.0.1:9006"}}]}}.
 * hybrid-cdn's tracker writes it; the simulated players and peers read it.
 *
 * @param version {@code VERSION}, always {@value #VERSION}
 * @param ttlSeconds {@code TTL}, seconds until the client reloads the manifest, at least 1
 * @param reloadUri {@code RELOAD-URI}, absolute or relative to the manifest's URL, or null
 * @param pathwayPriority {@code PATHWAY-PRIORITY}, pathway ids, most preferred first, at least one
 * @param pathwayClones {@code PATHWAY-CLONES}, possibly empty
 */
public record SteeringManifest(int version, long ttlSeconds, String reloadUri, List<String> pathwayPriority,
    List<PathwayClone> pathwayClones) {
  /** The only steering manifest version defined. */
  public static final int VERSION = 1;
  /** Pathway id characters (rfc8216bis 4.4.6.6, {@code PATHWAY-ID}). */
  public static final Pattern PATHWAY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A pathway the client creates from another one by replacing the host of its URIs.
   *
   * @param baseId {@code BASE-ID}, the pathway copied
   * @param id {@code ID}, the new pathway
   * @param host {@code URI-REPLACEMENT.HOST}: {@code host} or {@code host:port} (hls.js sets
   *     {@code URL.host}, so a port is kept; the specification speaks of the host name)
   */
  public record PathwayClone(String baseId, String id, String host) {}

  public SteeringManifest {
    if (version != VERSION) {
      throw new IllegalArgumentException("steering manifest VERSION must be " + VERSION + ": " + version);
    }
    if (ttlSeconds < 1) {
      throw new IllegalArgumentException("steering manifest TTL must be at least 1 s: " + ttlSeconds);
    }
    if (pathwayPriority.isEmpty() || !pathwayPriority.stream().allMatch(p -> PATHWAY_ID.matcher(p).matches())) {
      throw new IllegalArgumentException("PATHWAY-PRIORITY must list pathway ids: " + pathwayPriority);
    }
    pathwayPriority = List.copyOf(pathwayPriority);
    pathwayClones = List.copyOf(pathwayClones);
  }

  /** The manifest as compact JSON, keys in the specification's order. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode().put("VERSION", version).put("TTL", ttlSeconds);
    if (reloadUri != null) {
      o.put("RELOAD-URI", reloadUri);
    }
    ArrayNode priority = o.putArray("PATHWAY-PRIORITY");
    pathwayPriority.forEach(priority::add);
    if (!pathwayClones.isEmpty()) {
      ArrayNode clones = o.putArray("PATHWAY-CLONES");
      for (PathwayClone c : pathwayClones) {
        clones.addObject().put("BASE-ID", c.baseId()).put("ID", c.id()).putObject("URI-REPLACEMENT")
            .put("HOST", c.host());
      }
    }
    return o.toString();
  }

  /**
   * Reads a steering manifest; unknown keys are ignored, as the specification asks of clients.
   *
   * @throws IllegalArgumentException when the text is not JSON, VERSION is not 1, TTL is missing or
   *     below 1, or PATHWAY-PRIORITY is missing, empty or holds something that is not a pathway id
   */
  public static SteeringManifest parse(String json) {
    JsonNode o;
    try {
      o = JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException("steering manifest is not JSON: " + e.getMessage(), e);
    }
    if (o == null || !o.isObject()) {
      throw new IllegalArgumentException("steering manifest is not a JSON object");
    }
    List<String> priority = new ArrayList<>();
    o.path("PATHWAY-PRIORITY").forEach(p -> priority.add(p.asText()));
    List<PathwayClone> clones = new ArrayList<>();
    for (JsonNode c : o.path("PATHWAY-CLONES")) {
      String host = c.path("URI-REPLACEMENT").path("HOST").asText(null);
      String id = c.path("ID").asText("");
      if (host != null && PATHWAY_ID.matcher(id).matches()) {
        clones.add(new PathwayClone(c.path("BASE-ID").asText(""), id, host));
      }
    }
    String reload = o.hasNonNull("RELOAD-URI") ? o.get("RELOAD-URI").asText() : null;
    return new SteeringManifest(o.path("VERSION").asInt(0), o.path("TTL").asLong(0), reload, priority, clones);
  }
}
