package dev.hybridcdn.ops.bench;

import dev.hybridcdn.ops.report.DeliveryAnalysis;
import dev.hybridcdn.ops.report.Summary;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.Tier;
import dev.hybridcdn.schemas.serde.SingleObjectCodec;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import java.util.Locale;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;

/**
 * How fast {@code cdn replay} turns history into tables: decodes N {@code SegmentDelivered} records
 * (Avro single-object encoding, as read from Kafka) and feeds them to {@link DeliveryAnalysis},
 * then builds the summary. Prints events per second for decode + analysis and for analysis alone.
 *
 * <pre>{@code ./cdn bench AnalysisBench [events=1000000] [rounds=3]}</pre>
 */
public final class AnalysisBench {
  private AnalysisBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    SingleObjectCodec codec = SingleObjectCodec.instance();
    // The topic name only labels decode errors; take it from the registry like every module.
    String topic = TopicRegistry.defaults().name(CdnTopic.DELIVERY_EVENTS);
    Random random = new Random(7);
    Tier[] tiers = Tier.values();
    byte[][] encoded = new byte[n][];
    for (int i = 0; i < n; i++) {
      Tier tier = tiers[random.nextInt(tiers.length)];
      SegmentDelivered d = SegmentDelivered.newBuilder().setRequestId("r" + i).setPeerId("peer-" + random.nextInt(500))
          .setSegmentId("song-" + random.nextInt(200) + "/128k/seg" + String.format(Locale.ROOT, "%05d", random.nextInt(40)) + ".ts")
          .setSongId("song").setRendition("128k").setTier(tier).setSourceId("peer-" + random.nextInt(500))
          .setBytes(150_000 + random.nextInt(20_000)).setLatencyMicros(200 + random.nextInt(2_000_000))
          .setHops(tier.ordinal() == 3 ? 2 : Math.min(1, tier.ordinal())).setAttempts(1)
          .setTs(1_700_000_000_000L + i * 10L).build();
      encoded[i] = codec.encode(topic, d);
    }
    System.out.printf(Locale.ROOT, "AnalysisBench: %,d SegmentDelivered events, %d rounds%n", n, rounds);
    for (int r = 1; r <= rounds; r++) {
      long t0 = System.nanoTime();
      DeliveryAnalysis a = new DeliveryAnalysis("history", false);
      for (byte[] b : encoded) {
        SpecificRecord e = codec.decode(topic, b);
        a.accept(e);
      }
      Summary s = a.summary(10);
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "  round %d: decode+analyse %,.0f events/s (%.2f s), %d requests, offload %.3f%n",
          r, n / secs, secs, s.requests(), s.offload());
    }
    SpecificRecord[] decoded = new SpecificRecord[n];
    for (int i = 0; i < n; i++) {
      decoded[i] = codec.decode(topic, encoded[i]);
    }
    for (int r = 1; r <= rounds; r++) {
      long t0 = System.nanoTime();
      DeliveryAnalysis a = new DeliveryAnalysis("history", false);
      for (SpecificRecord e : decoded) {
        a.accept(e);
      }
      a.summary(10);
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "  round %d: analyse only %,.0f events/s (%.2f s)%n", r, n / secs, secs);
    }
  }
}
