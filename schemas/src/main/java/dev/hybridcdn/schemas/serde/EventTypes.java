package dev.hybridcdn.schemas.serde;

import dev.hybridcdn.schemas.topics.CdnTopic;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/** Every event type: the generated classes carried by the topics of {@link CdnTopic}. */
public final class EventTypes {
  private static final Map<String, Class<? extends SpecificRecord>> BY_NAME = new LinkedHashMap<>();

  static {
    for (CdnTopic topic : CdnTopic.values()) {
      for (Class<? extends SpecificRecord> type : topic.recordTypes()) {
        BY_NAME.put(schemaOf(type).getFullName(), type);
      }
    }
  }

  private EventTypes() {}

  /** Full Avro name -> generated class, for every event type. */
  public static Map<String, Class<? extends SpecificRecord>> byFullName() {
    return java.util.Collections.unmodifiableMap(BY_NAME);
  }

  /** The current schema of a generated class. */
  public static Schema schemaOf(Class<? extends SpecificRecord> type) {
    return SpecificData.get().getSchema(type);
  }
}
