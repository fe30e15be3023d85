package dev.hybridcdn.schemas.serde;

import dev.hybridcdn.schemas.internal.GraphChangeLink;
import dev.hybridcdn.schemas.internal.GraphChangeNode;
import dev.hybridcdn.schemas.topics.CdnTopic;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every record type the codec writes and reads: the events carried by the topics of {@link CdnTopic},
 * and the Streams apps' internal records (namespace {@code dev.hybridcdn.schemas.internal}, on topics
 * and stores an app owns), released and checked for compatibility the same way.
 */
public final class EventTypes {
  /** topology-streams: the values of its graph-changes topic and global graph store. */
  private static final List<Class<? extends SpecificRecord>> TOPOLOGY_INTERNAL =
      List.of(GraphChangeNode.class, GraphChangeLink.class);

  private static final Map<String, Class<? extends SpecificRecord>> BY_NAME = new LinkedHashMap<>();

  static {
    for (CdnTopic topic : CdnTopic.values()) {
      for (Class<? extends SpecificRecord> type : topic.recordTypes()) {
        BY_NAME.put(schemaOf(type).getFullName(), type);
      }
    }
    for (Class<? extends SpecificRecord> type : TOPOLOGY_INTERNAL) {
      BY_NAME.put(schemaOf(type).getFullName(), type);
    }
  }

  private EventTypes() {}

  /** Full Avro name -> generated class, for every event and internal record type. */
  public static Map<String, Class<? extends SpecificRecord>> byFullName() {
    return java.util.Collections.unmodifiableMap(BY_NAME);
  }

  /** The current schema of a generated class. */
  public static Schema schemaOf(Class<? extends SpecificRecord> type) {
    return SpecificData.get().getSchema(type);
  }
}
