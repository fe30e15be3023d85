package dev.hybridcdn.schemas.bench;

import dev.hybridcdn.schemas.SampleEvents;
import dev.hybridcdn.schemas.serde.EventCodec;
import dev.hybridcdn.schemas.serde.SingleObjectCodec;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Encode + decode throughput of the event serde (Avro single-object encoding), in events/s per
 * thread (JMH).
 *
 * <pre>{@code ./cdn bench SerdeBenchmark [JMH options, e.g. -wi 1 -i 2 -f 1]}</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SerdeBenchmark {
  private final EventCodec codec = SingleObjectCodec.instance();
  private SpecificRecord heartbeat;
  private SpecificRecord delivered;
  private SpecificRecord songPublished;

  /** Runs this class's benchmarks through JMH; the arguments are JMH's own command line options. */
  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    new Runner(new OptionsBuilder().parent(new CommandLineOptions(args))
        .include(SerdeBenchmark.class.getName()).build()).run();
  }

  @Setup
  public void setup() {
    heartbeat = SampleEvents.all().get(1);
    delivered = SampleEvents.all().get(9);
    songPublished = SampleEvents.songPublished();
  }

  /** A small, frequent event (every peer, every 2 s). */
  @Benchmark
  public SpecificRecord heartbeatRoundTrip() {
    return codec.decode("cdn.peer-events", codec.encode("cdn.peer-events", heartbeat));
  }

  /** The history event, one per player request. */
  @Benchmark
  public SpecificRecord segmentDeliveredRoundTrip() {
    return codec.decode("cdn.delivery-events", codec.encode("cdn.delivery-events", delivered));
  }

  /** A manifest with nested renditions and segments (rare, large). */
  @Benchmark
  public SpecificRecord songPublishedRoundTrip() {
    return codec.decode("cdn.catalog", codec.encode("cdn.catalog", songPublished));
  }
}
