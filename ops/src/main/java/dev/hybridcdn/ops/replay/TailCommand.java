package dev.hybridcdn.ops.replay;

import dev.hybridcdn.servicekit.config.CommonConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cdn events tail TOPIC}: each event as one JSON line, as it arrives. */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = "Print each event of TOPIC as one JSON line (Avro JSON), as it arrives.", usageHelpWidth = 120)
public final class TailCommand implements Callable<Integer> {
  @Parameters(paramLabel = "TOPIC", description = "peer-events, segment-events, link-events, peer-expirations, "
      + "delivery-events, edge-events, catalog (or a full name such as cdn.peer-events).")
  String topic;
  @Option(names = "--from-beginning", description = "Start at the oldest event instead of new ones.")
  boolean fromBeginning;
  @Option(names = "--max", description = "Stop after this many events (default: never).")
  long max;
  @Option(names = "--idle-exit", paramLabel = "SECONDS", description = "Stop after this long without an event.")
  Long idleSeconds;
  @Mixin
  KafkaOptions kafka;

  @Override
  public Integer call() {
    CommonConfig common = kafka.common();
    EventTail tail = new EventTail(common.kafkaClient(), common.topics());
    Runtime.getRuntime().addShutdownHook(new Thread(tail::stop, "tail-stop"));
    tail.tail(topic, fromBeginning, max, idleSeconds == null ? null : Duration.ofSeconds(idleSeconds), System.out);
    return 0;
  }
}
