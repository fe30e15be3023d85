package dev.hybridcdn.servicekit.config;

import dev.hybridcdn.schemas.topics.TopicRegistry;

/**
 * The settings every service reads the same way (ARCHITECTURE.md, "Configuration").
 *
 * @param kafkaBootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}, default {@code 127.0.0.1:9092}
 * @param topicPrefix {@code TOPIC_PREFIX}, default {@code cdn.}
 */
public record CommonConfig(String kafkaBootstrapServers, String topicPrefix) {
  public static CommonConfig from(Env env) {
    String bootstrap = env.string("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092",
        s -> s.matches("[A-Za-z0-9._:\\[\\]-]+(,[A-Za-z0-9._:\\[\\]-]+)*"), "host:port[,host:port...]");
    String prefix = env.string("TOPIC_PREFIX", TopicRegistry.DEFAULT_PREFIX,
        s -> s.matches("[A-Za-z0-9._-]{0,100}"), "a topic prefix of [A-Za-z0-9._-], e.g. cdn.");
    return new CommonConfig(bootstrap, prefix);
  }

  public TopicRegistry topics() {
    return new TopicRegistry(topicPrefix);
  }
}
