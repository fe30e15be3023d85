package dev.hybridcdn.streamskit;

import dev.hybridcdn.schemas.deadletter.StreamsDeadLetterHandler;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.streamskit.errors.BadRecordPolicy;
import dev.hybridcdn.streamskit.errors.DeserializationPolicy;
import dev.hybridcdn.streamskit.errors.ProcessingPolicy;
import dev.hybridcdn.streamskit.errors.ProductionPolicy;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Streams settings every Streams app reads the same way (keys declared here, once).
 *
 * @param processingGuarantee {@code STREAMS_PROCESSING_GUARANTEE}: {@code exactly_once_v2}
 *     (default: a record's state changes and outputs commit together, so a restart never counts a
 *     holding twice) or {@code at_least_once}
 * @param badRecordPolicy {@code STREAMS_BAD_RECORD_POLICY}: {@code dead-letter} (default),
 *     {@code continue} or {@code fail} ({@link BadRecordPolicy})
 * @param trust {@code CLUSTER_SECRET}, {@code EVENT_AUTH}, {@code EVENT_MAX_AGE_MS} (service-kit
 *     {@link TrustSettings}): whether peer and edge events must be signed (issue 16); off by default
 */
public record StreamsSettings(String processingGuarantee, BadRecordPolicy badRecordPolicy, TrustSettings trust) {
  /** Authentication off. */
  public StreamsSettings(String processingGuarantee, BadRecordPolicy badRecordPolicy) {
    this(processingGuarantee, badRecordPolicy, TrustSettings.off());
  }

  private static final Set<String> GUARANTEES = Set.of(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE);

  /** exactly_once_v2 and dead-letter. */
  public static StreamsSettings defaults() {
    return new StreamsSettings(StreamsConfig.EXACTLY_ONCE_V2, BadRecordPolicy.DEAD_LETTER);
  }

  /** The same settings with these trust settings. */
  public StreamsSettings withTrust(TrustSettings t) {
    return new StreamsSettings(processingGuarantee, badRecordPolicy, t);
  }

  /**
   * Reads every key.
   *
   * @throws dev.hybridcdn.servicekit.config.ConfigException naming the variable with a bad value
   */
  public static StreamsSettings from(Env env) {
    String guarantee = env.string("STREAMS_PROCESSING_GUARANTEE", StreamsConfig.EXACTLY_ONCE_V2,
        GUARANTEES::contains, "exactly_once_v2 or at_least_once");
    String policy = env.string("STREAMS_BAD_RECORD_POLICY", BadRecordPolicy.DEAD_LETTER.setting(),
        s -> BadRecordPolicy.parse(s).isPresent(), "dead-letter, continue or fail");
    return new StreamsSettings(guarantee, BadRecordPolicy.parse(policy).orElseThrow(), TrustSettings.from(env));
  }

  /**
   * The Streams properties every app starts from: application id, bootstrap servers, the
   * processing guarantee, the three record handlers with the bad-record policy and dead-letter
   * topic, and the replication factor of Streams' own changelog and repartition topics.
   *
   * @param replicationFactor as chosen by {@code TopicAdmin.replicationFactor} for the app's topics
   */
  public Properties properties(String applicationId, CommonConfig common, short replicationFactor) {
    Properties p = new Properties();
    p.putAll(common.kafkaClient()); // bootstrap servers and security (SASL, TLS), for every client Streams makes
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeserializationPolicy.class.getName());
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingPolicy.class.getName());
    p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, ProductionPolicy.class.getName());
    p.put(BadRecordPolicy.CONFIG, badRecordPolicy.setting());
    p.put(StreamsDeadLetterHandler.DEAD_LETTER_TOPIC_CONFIG, common.topics().name(CdnTopic.DEAD_LETTERS));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
    return p;
  }
}
