package dev.hybridcdn.servicekit.config;

import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.schemas.topics.TopicRegistry;

/**
 * The settings every service reads the same way (ARCHITECTURE.md, "Configuration").
 *
 * @param kafkaBootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}, default {@code 127.0.0.1:9092}
 * @param topicPrefix {@code TOPIC_PREFIX}, default {@code cdn.}
 * @param replicationFactor {@code KAFKA_REPLICATION_FACTOR}, 1 to 5, default 0: {@code min(3,
 *     brokers)} ({@link TopicAdmin#replicationFactor}); of every topic an app creates, its own
 *     included
 */
public record CommonConfig(String kafkaBootstrapServers, String topicPrefix, int replicationFactor) {
  public static CommonConfig from(Env env) {
    String bootstrap = env.string("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
        s -> s.matches("[A-Za-z0-9._:\\[\\]-]+(,[A-Za-z0-9._:\\[\\]-]+)*"), "host:port[,host:port...]");
    String prefix = env.string("TOPIC_PREFIX", TopicRegistry.DEFAULT_PREFIX,
        s -> s.matches("[A-Za-z0-9._-]{0,100}"), "a topic prefix of [A-Za-z0-9._-], e.g. cdn.");
    int replication = env.integer("KAFKA_REPLICATION_FACTOR", TopicAdmin.AUTO_REPLICATION, 0, 5);
    return new CommonConfig(bootstrap, prefix, replication);
  }

  public TopicRegistry topics() {
    return new TopicRegistry(topicPrefix);
  }
}
