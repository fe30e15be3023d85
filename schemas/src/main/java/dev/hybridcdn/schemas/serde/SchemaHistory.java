package dev.hybridcdn.schemas.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Every released version of every event schema, as kept in the repository under
 * {@code schemas/src/main/resources/schema-history/<RecordName>/v<N>.avsc} and listed in its
 * {@code index.txt}. Old events decode forever because their writer schema stays here.
 */
public final class SchemaHistory {
  static final String ROOT = "/schema-history/";

  /** One released schema version. */
  public record Version(String recordName, int version, String resource, Schema schema) {}

  private final Map<String, List<Version>> byRecord;

  private SchemaHistory(Map<String, List<Version>> byRecord) {
    this.byRecord = byRecord;
  }

  /**
   * Loads the history from the classpath.
   *
   * @throws IllegalStateException if the index names a missing or unparsable schema file
   */
  public static SchemaHistory load() {
    Map<String, List<Version>> byRecord = new LinkedHashMap<>();
    for (String line : read(ROOT + "index.txt").split("\n")) {
      String entry = line.strip();
      if (entry.isEmpty() || entry.startsWith("#")) {
        continue;
      }
      String[] parts = entry.split("/");
      if (parts.length != 2 || !parts[1].matches("v[1-9][0-9]*\\.avsc")) {
        throw new IllegalStateException("schema-history/index.txt: bad entry " + entry);
      }
      int version = Integer.parseInt(parts[1].substring(1, parts[1].length() - 5));
      Schema schema = new Schema.Parser().parse(read(ROOT + entry));
      if (!schema.getName().equals(parts[0])) {
        throw new IllegalStateException(entry + " defines " + schema.getName() + ", not " + parts[0]);
      }
      byRecord.computeIfAbsent(parts[0], k -> new ArrayList<>())
          .add(new Version(parts[0], version, entry, schema));
    }
    byRecord.values().forEach(v -> v.sort(java.util.Comparator.comparingInt(Version::version)));
    return new SchemaHistory(byRecord);
  }

  /** Versions of one record type, oldest first; empty when none is released. */
  public List<Version> versions(String recordName) {
    return byRecord.getOrDefault(recordName, List.of());
  }

  /** Record names with at least one released version. */
  public java.util.Set<String> recordNames() {
    return byRecord.keySet();
  }

  /** Every released version of every record type. */
  public List<Version> all() {
    return byRecord.values().stream().flatMap(List::stream).toList();
  }

  private static String read(String resource) {
    try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
