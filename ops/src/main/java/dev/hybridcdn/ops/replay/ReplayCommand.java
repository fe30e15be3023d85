package dev.hybridcdn.ops.replay;

import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.ops.report.ReportOptions;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.servicekit.config.CommonConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cdn replay}: the delivery tables of a period, read back from the event history in Kafka. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Delivery tables of a period, from the event history in Kafka.", usageHelpWidth = 120)
public final class ReplayCommand implements Callable<Integer> {
  private static final Pattern AGO = Pattern.compile("(\\d+)([smhd])");

  @Option(names = "--from", description = "Start: ISO instant (2026-01-31T10:00:00Z) or a duration ago (15m, 2h, 1d).")
  String from;
  @Option(names = "--to", description = "End: ISO instant or a duration ago (default now).")
  String to;
  @Mixin
  KafkaOptions kafka;
  @Mixin
  ReportOptions report;
  @Option(names = "--top", description = "Uploading peers listed (default 10).")
  int top = 10;

  @Override
  public Integer call() {
    CommonConfig common = kafka.common();
    Instant f = from == null ? null : instant("--from", from);
    Instant t = to == null ? null : instant("--to", to);
    HistoryReader reader = new HistoryReader(common.kafkaClient(), common.topics(), Duration.ofSeconds(60));
    DeliveryAnalysis a = Replay.analyse(reader, f, t);
    Summary s = a.summary(top);
    report.print(s, a.allLatency());
    return 0;
  }

/**
 * An ISO-8601 instant, or a duration before now: {@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}.
 *
 * @throws IllegalArgumentException naming the option when the text is neither
 */
static Instant instant(String option, String text) {
  var m = AGO.matcher(text.strip());
  if (m.matches()) {
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    return Instant.now().minus(d);
  }
  try {
    return Instant.parse(text.strip());
  } catch (DateTimeParseException e) {
    throw new IllegalArgumentException(option + " must be an ISO instant (2026-01-31T10:00:00Z) or a duration ago "
        + "(90s, 15m, 2h, 1d): " + text);
  }
}
}
