package dev.hybridcdn.ops.replay;

import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --bootstrap} and {@code --prefix}: the Kafka cluster and topics the replay and events commands read. */
public final class KafkaOptions {
  @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default KAFKA_BOOTSTRAP_SERVERS).")
  String bootstrap;
  @Option(names = "--prefix", description = "Topic prefix (default TOPIC_PREFIX, else cdn.).")
  String prefix;

  /**
   * The options over the environment and {@code .cdn/stack.env}.
   *
   * @throws dev.hybridcdn.servicekit.config.ConfigException naming the variable when a value is invalid
   */
  public CommonConfig common() {
    Map<String, String> vars = new LinkedHashMap<>(StackEnv.load());
    if (bootstrap != null) {
      vars.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    }
    if (prefix != null) {
      vars.put("TOPIC_PREFIX", prefix);
    }
    return CommonConfig.from(new Env(vars));
  }
}
