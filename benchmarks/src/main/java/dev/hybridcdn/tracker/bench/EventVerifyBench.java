package dev.hybridcdn.tracker.bench;

import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import dev.hybridcdn.servicekit.identity.AdmissionAuthority;
import dev.hybridcdn.servicekit.identity.EventVerifier;
import dev.hybridcdn.servicekit.identity.NodeIdentity;
import dev.hybridcdn.servicekit.identity.TrustSettings;
import dev.hybridcdn.streamskit.trust.VerifiedEvents;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
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
 * Signature verification at the tracker (issue 16, goal: at least 50,000 events/s per core): the
 * tracker's source deserializer for peer events ({@code VerifiedEvents} over the topic serde) on
 * signed SegmentCached events of {@code peers} admitted peers (tokens cached after their first
 * event, as in a running tracker), against the same decode without verification. One JMH thread,
 * events/s.
 *
 * <pre>{@code ./cdn bench EventVerifyBench [JMH options, e.g. -wi 2 -i 3 -f 1]}</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EventVerifyBench {
  /** Admitted peers whose events are interleaved. */
  @Param({"1000"})
  public int peers;

  private String topic;
  private Deserializer<SpecificRecord> verifying;
  private Deserializer<SpecificRecord> plain;
  private byte[][] values;
  private RecordHeaders[] headers;
  private int i;

  /** Runs this class's benchmarks through JMH; the arguments are JMH's own command line options. */
  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    new Runner(new OptionsBuilder().parent(new CommandLineOptions(args))
        .include(EventVerifyBench.class.getName()).build()).run();
  }

  @Setup
  public void setup() {
    String secret = TrustSettings.newSecret();
    TrustSettings trust = TrustSettings.require(Base64.getDecoder().decode(secret));
    AdmissionAuthority issuer = new AdmissionAuthority(trust.clusterSecret(), Duration.ofHours(1), Clock.systemUTC());
    TopicRegistry topics = new TopicRegistry(TopicRegistry.DEFAULT_PREFIX,
        dev.hybridcdn.schemas.serde.SingleObjectCodec.instance());
    topic = topics.name(CdnTopic.SEGMENT_EVENTS);
    verifying = VerifiedEvents.serde(topics.valueSerde(), EventVerifier.of(trust)).deserializer();
    plain = topics.valueSerde().deserializer();
    int n = 4096;
    values = new byte[n][];
    headers = new RecordHeaders[n];
    NodeIdentity[] nodes = new NodeIdentity[peers];
    for (int p = 0; p < peers; p++) {
      nodes[p] = NodeIdentity.generate();
      nodes[p].admit(issuer, "peer-" + p, AdmissionAuthority.PEER, "http://10.0.0." + (p % 250) + ":" + (9000 + p),
          "eu-west");
    }
    for (int k = 0; k < n; k++) {
      int p = k % peers;
      SegmentCached e = new SegmentCached("peer-" + p, "song-" + (k % 50) + "/128k/seg" + String.format("%05d", k)
          + "-9f86d081884c7d65.ts", 160_000L, "9f86d081884c7d659f86d081884c7d659f86d081884c7d659f86d081884c7d65",
          System.currentTimeMillis());
      values[k] = topics.codec().encode(topic, e);
      headers[k] = new RecordHeaders(nodes[p].sign(topic, e, values[k]).toArray(Header[]::new));
    }
    for (int k = 0; k < n; k++) {
      verifying.deserialize(topic, headers[k], values[k]); // every token verified once, as after a session's first event
    }
  }

  /** Decode and verify one signed SegmentCached (token cache hit, HMAC-SHA256, age and node checks). */
  @Benchmark
  public SpecificRecord decodeAndVerify() {
    int k = i++ & (values.length - 1);
    return verifying.deserialize(topic, headers[k], values[k]);
  }

  /** The same decode without verification (authentication off). */
  @Benchmark
  public SpecificRecord decodeOnly() {
    int k = i++ & (values.length - 1);
    return plain.deserialize(topic, headers[k], values[k]);
  }
}
