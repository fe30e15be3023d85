package dev.hybridcdn.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import dev.hybridcdn.schemas.internal.InternalRecords;
import org.junit.jupiter.api.Test;

/**
 * The build check on schema evolution. Every current event schema must be released (identical to
 * the newest version kept under schema-history/) and be backward and forward compatible with every
 * earlier released version. To change a schema: edit src/main/avro/X.avsc, copy it to
 * schema-history/X/v(N+1).avsc, list it in schema-history/index.txt.
 */
class SchemaCompatibilityTest {
  private final SchemaHistory history = SchemaHistory.load();

  /** Events and the Streams apps' internal records alike. */
  private static List<Class<? extends SpecificRecord>> types() {
    List<Class<? extends SpecificRecord>> all = new ArrayList<>(EventTypes.byFullName().values());
    all.addAll(InternalRecords.TYPES);
    return all;
  }

  @Test
  void everyEventTypeIsReleasedAsItIsNow() {
    List<String> problems = new ArrayList<>();
    for (var type : types()) {
      Schema current = EventTypes.schemaOf(type);
      var versions = history.versions(current.getName());
      if (versions.isEmpty()) {
        problems.add(current.getName() + ": no released version; add schema-history/" + current.getName() + "/v1.avsc");
        continue;
      }
      Schema newest = versions.get(versions.size() - 1).schema();
      if (SchemaNormalization.parsingFingerprint64(newest) != SchemaNormalization.parsingFingerprint64(current)) {
        problems.add(current.getName() + ": src/main/avro differs from " + versions.get(versions.size() - 1).resource()
            + "; release the change as v" + (versions.size() + 1) + ".avsc");
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyCurrentSchemaReadsAndIsReadByEveryReleasedVersion() {
    List<String> problems = new ArrayList<>();
    for (var type : types()) {
      Schema current = EventTypes.schemaOf(type);
      for (SchemaHistory.Version old : history.versions(current.getName())) {
        var backward = SchemaCompatibility.checkReaderWriterCompatibility(current, old.schema());
        var forward = SchemaCompatibility.checkReaderWriterCompatibility(old.schema(), current);
        if (backward.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
          problems.add(current.getName() + " cannot read " + old.resource() + ": " + backward.getResult().getIncompatibilities());
        }
        if (forward.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
          problems.add(old.resource() + " cannot read the current " + current.getName() + ": "
              + forward.getResult().getIncompatibilities());
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void eachReleasedVersionIsCompatibleWithEveryOtherVersionOfItsType() {
    List<String> problems = new ArrayList<>();
    for (String name : history.recordNames()) {
      for (var a : history.versions(name)) {
        for (var b : history.versions(name)) {
          var r = SchemaCompatibility.checkReaderWriterCompatibility(a.schema(), b.schema());
          if (r.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            problems.add(a.resource() + " cannot read " + b.resource());
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void theIndexListsEverySchemaFileKeptInTheRepository() throws IOException {
    Path root = Path.of("src/main/resources/schema-history");
    Set<String> onDisk = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(p -> p.toString().endsWith(".avsc"))
          .forEach(p -> onDisk.add(root.relativize(p).toString().replace('\\', '/')));
    }
    Set<String> indexed = new TreeSet<>();
    history.all().forEach(v -> indexed.add(v.resource()));
    assertThat(indexed).isEqualTo(onDisk);
    for (String name : history.recordNames()) {
      var versions = history.versions(name);
      for (int i = 0; i < versions.size(); i++) {
        assertThat(versions.get(i).version()).as(name + " versions are numbered 1..N").isEqualTo(i + 1);
      }
    }
  }
}
