package dev.hybridcdn.contract.manifest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.schemas.Ids;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The JSON of {@code GET /songs/{songId}} and {@code GET /songs}, written and read in one place.
 *
 * <p>Manifest, compact, fields in this order (byte for byte what the origin has always served):
 * <pre>{@code
 * {"songId","title","durationMs","version","renditions":[{"name","bitrateKbps","codec","playlist",
 *   "segments":[{"segmentId","index","durationMs","bytes","sha256","chunkBytes","chunks":["<hex>",...]}]}]}
 * }</pre>
 * {@code chunkBytes} and {@code chunks} (issue 14) are a segment's chunk size and per-chunk SHA-256s
 * ({@link Manifest.Chunks}); written only when known, and a segment without them is read as having none
 * (fetched whole).
 * {@code version} (issue 12) is the song's content version at the origin; it is written only when
 * known (above 0), so a manifest without versions keeps its old bytes, and read as 0 when absent.
 * {@code playlist} is the rendition's media playlist path ({@link CdnPaths#mediaPlaylist}), written
 * for clients and ignored on reading. Song list: {@code {"songs":[{"songId","title","durationMs",
 * "renditions":["64k",...]}]}}.
 *
 * <p>Reading is lenient where a field can be derived and strict where a check depends on it:
 * {@code songId}, each segment's {@code segmentId}, {@code bytes} and {@code sha256} are required;
 * {@code title} defaults to empty, {@code durationMs} to 0, {@code bitrateKbps} to the rendition
 * name's number, {@code codec} to AAC-LC, {@code index} to the position in the list. Segments are
 * ordered by index; hashes are lower-cased.
 */
public final class ManifestJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ManifestJson() {}

  /** The manifest as UTF-8 JSON text. */
  public static String write(Manifest m) {
    return generate(g -> {
      g.writeStartObject();
      g.writeStringField("songId", m.songId());
      g.writeStringField("title", m.title());
      g.writeNumberField("durationMs", m.durationMs());
      if (m.version() > 0) {
        g.writeNumberField("version", m.version());
      }
      g.writeArrayFieldStart("renditions");
      for (Manifest.Rendition r : m.renditions()) {
        g.writeStartObject();
        g.writeStringField("name", r.name());
        g.writeNumberField("bitrateKbps", r.bitrateKbps());
        g.writeStringField("codec", r.codec());
        g.writeStringField("playlist", CdnPaths.mediaPlaylist(m.songId(), r.name()));
        g.writeArrayFieldStart("segments");
        for (Manifest.Segment s : r.segments()) {
          g.writeStartObject();
          g.writeStringField("segmentId", s.segmentId());
          g.writeNumberField("index", s.index());
          g.writeNumberField("durationMs", s.durationMs());
          g.writeNumberField("bytes", s.bytes());
          g.writeStringField("sha256", s.sha256());
          if (s.chunks() != null) {
            g.writeNumberField("chunkBytes", s.chunks().chunkBytes());
            g.writeArrayFieldStart("chunks");
            for (String h : s.chunks().sha256()) {
              g.writeString(h);
            }
            g.writeEndArray();
          }
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /**
   * Reads a manifest.
   *
   * @throws IllegalArgumentException when the text is not JSON, a required field is missing or a
   *     field has the wrong type; the message says which
   */
  public static Manifest parse(String json) {
    JsonNode root = tree(json, "manifest");
    String songId = text(root, "songId", null, "manifest");
    JsonNode renditions = root.path("renditions");
    if (!renditions.isMissingNode() && !renditions.isArray()) {
      throw new IllegalArgumentException("manifest of " + songId + ": renditions is not an array");
    }
    List<Manifest.Rendition> out = new ArrayList<>();
    for (JsonNode r : renditions) {
      String name = text(r, "name", null, "rendition of " + songId);
      int kbps = (int) number(r, "bitrateKbps", Ids.isRendition(name) ? Ids.bitrateKbps(name) : 0, "rendition " + name);
      String codec = text(r, "codec", Manifest.AAC_LC, "rendition " + name);
      List<Manifest.Segment> segments = new ArrayList<>();
      JsonNode list = r.path("segments");
      for (int i = 0; i < list.size(); i++) {
        JsonNode s = list.get(i);
        String where = "segment " + i + " of " + songId + "/" + name;
        long bytes = number(s, "bytes", null, where);
        try {
          segments.add(new Manifest.Segment(text(s, "segmentId", null, where), (int) number(s, "index", i, where),
              number(s, "durationMs", 0L, where), bytes, text(s, "sha256", null, where).toLowerCase(Locale.ROOT),
              chunks(s, where)));
        } catch (IllegalArgumentException e) {
          throw e.getMessage().startsWith(where) ? e : new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
      }
      segments.sort(Comparator.comparingInt(Manifest.Segment::index));
      out.add(new Manifest.Rendition(name, kbps, codec, segments));
    }
    long version = number(root, "version", 0L, "manifest");
    if (version < 0) {
      throw new IllegalArgumentException("manifest of " + songId + ": version is negative");
    }
    return new Manifest(songId, text(root, "title", "", "manifest"), number(root, "durationMs", 0L, "manifest"),
        version, out);
  }

  /** A segment's chunk hashes ({@code chunkBytes} and {@code chunks} together), or null when absent. */
  private static Manifest.Chunks chunks(JsonNode s, String where) {
    JsonNode list = s.get("chunks");
    if (list == null || list.isNull()) {
      return null;
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException(where + ": chunks is not an array");
    }
    long size = number(s, "chunkBytes", null, where);
    if (size < 1 || size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(where + ": chunkBytes out of range: " + size);
    }
    List<String> hashes = new ArrayList<>();
    for (JsonNode h : list) {
      if (!h.isTextual()) {
        throw new IllegalArgumentException(where + ": a chunk hash is not a string");
      }
      hashes.add(h.asText().toLowerCase(Locale.ROOT));
    }
    return new Manifest.Chunks((int) size, hashes);
  }

  /** The song list as UTF-8 JSON text. */
  public static String writeSongList(List<SongSummary> songs) {
    return generate(g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("songs");
      for (SongSummary s : songs) {
        g.writeStartObject();
        g.writeStringField("songId", s.songId());
        g.writeStringField("title", s.title());
        g.writeNumberField("durationMs", s.durationMs());
        g.writeArrayFieldStart("renditions");
        for (String r : s.renditions()) {
          g.writeString(r);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /**
   * Reads a song list.
   *
   * @throws IllegalArgumentException when the text is not a song list
   */
  public static List<SongSummary> parseSongList(String json) {
    JsonNode songs = tree(json, "song list").path("songs");
    if (!songs.isArray()) {
      throw new IllegalArgumentException("song list without a songs array");
    }
    List<SongSummary> out = new ArrayList<>();
    for (JsonNode s : songs) {
      List<String> renditions = new ArrayList<>();
      s.path("renditions").forEach(r -> renditions.add(r.asText()));
      out.add(new SongSummary(text(s, "songId", null, "song list"), text(s, "title", "", "song list"),
          number(s, "durationMs", 0L, "song list"), renditions));
    }
    return out;
  }

  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private static String generate(Writer writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      writer.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static JsonNode tree(String json, String what) {
    try {
      JsonNode root = MAPPER.readTree(json);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("not a " + what + ": not a JSON object");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a " + what + ": " + e.getOriginalMessage(), e);
    }
  }

  /** A string field; {@code fallback} when absent, or an error when the fallback is null. */
  private static String text(JsonNode node, String field, String fallback, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (fallback == null) {
        throw new IllegalArgumentException(where + ": no " + field);
      }
      return fallback;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(where + ": " + field + " is not a string");
    }
    return v.asText();
  }

  /** An integral field; {@code fallback} when absent, or an error when the fallback is null. */
  private static long number(JsonNode node, String field, Long fallback, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (fallback == null) {
        throw new IllegalArgumentException(where + ": no " + field);
      }
      return fallback;
    }
    if (!v.canConvertToLong() || !v.isNumber()) {
      throw new IllegalArgumentException(where + ": " + field + " is not a whole number");
    }
    return v.asLong();
  }

  private static long number(JsonNode node, String field, int fallback, String where) {
    return number(node, field, (Long) (long) fallback, where);
  }
}
