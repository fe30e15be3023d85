package dev.hybridcdn.schemas.topics;

import dev.hybridcdn.schemas.serde.EventCodec;
import dev.hybridcdn.schemas.serde.EventSerde;
import dev.hybridcdn.schemas.serde.SingleObjectCodec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic registry: topic names under one prefix (default {@code cdn.}, env
 * {@code TOPIC_PREFIX}), their key and value serdes, and their creation settings. Every module
 * takes topic names and serdes from here.
 */
public final class TopicRegistry {
  public static final String DEFAULT_PREFIX = "cdn.";
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{0,100}");

  private final String prefix;
  private final EventCodec codec;

  /**
   * @param prefix topic name prefix, {@code [A-Za-z0-9._-]{0,100}}
   * @throws IllegalArgumentException if the prefix has other characters
   */
  public TopicRegistry(String prefix) {
    this(prefix, SingleObjectCodec.instance());
  }

  public TopicRegistry(String prefix, EventCodec codec) {
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("topic prefix must match " + PREFIX + ": " + prefix);
    }
    this.prefix = prefix;
    this.codec = codec;
  }

  /** The registry with the default prefix {@code cdn.}. */
  public static TopicRegistry defaults() {
    return new TopicRegistry(DEFAULT_PREFIX);
  }

  public String prefix() {
    return prefix;
  }

  /** Full topic name, e.g. {@code cdn.peer-events}. */
  public String name(CdnTopic topic) {
    return prefix + topic.suffix();
  }

  /** Every topic name under this prefix, in registry order. */
  public List<String> allNames() {
    return Arrays.stream(CdnTopic.values()).map(this::name).toList();
  }

  /** Keys are UTF-8 strings (song, peer, edge or segment ids) on every topic. */
  public Serde<String> keySerde() {
    return Serdes.String();
  }

  /** Value serde of every event topic (one serde dispatches on the record type). */
  public Serde<SpecificRecord> valueSerde() {
    return new EventSerde(codec);
  }

  public EventCodec codec() {
    return codec;
  }

  /** Full topic name -> the event types it carries, for every topic that carries events. */
  public Map<String, java.util.Set<Class<? extends SpecificRecord>>> eventTypesByTopic() {
    Map<String, java.util.Set<Class<? extends SpecificRecord>>> all = new java.util.LinkedHashMap<>();
    for (CdnTopic t : CdnTopic.values()) {
      if (!t.recordTypes().isEmpty()) {
        all.put(name(t), t.recordTypes());
      }
    }
    return all;
  }

  /**
   * Creation settings of a topic.
   *
   * @param replicationFactor 1 for a single broker, 3 in production
   */
  public NewTopic newTopic(CdnTopic topic, short replicationFactor) {
    Map<String, String> configs = new java.util.HashMap<>();
    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, topic.cleanup().config);
    if (topic.cleanup() == CdnTopic.CleanupPolicy.DELETE) {
      configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(topic.retention().toMillis()));
    }
    return new NewTopic(name(topic), topic.partitions(), replicationFactor).configs(configs);
  }

  /**
   * Creation settings of an app-owned topic (named by the application id, not the prefix).
   *
   * @param replicationFactor as for {@link #newTopic(CdnTopic, short)}
   */
  public NewTopic newTopic(AppTopic topic, String applicationId, short replicationFactor) {
    return new NewTopic(topic.name(applicationId), topic.partitions(), replicationFactor)
        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, topic.cleanup().config));
  }
}
