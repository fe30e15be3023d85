package dev.hybridcdn.schemas;

import dev.hybridcdn.schemas.events.EdgeRequester;
import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.EdgeServed;
import dev.hybridcdn.schemas.events.LinkMeasured;
import dev.hybridcdn.schemas.events.NodeKind;
import dev.hybridcdn.schemas.events.PeerExpired;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.PeerJoined;
import dev.hybridcdn.schemas.events.PeerLeft;
import dev.hybridcdn.schemas.events.RenditionInfo;
import dev.hybridcdn.schemas.events.SegmentCached;
import dev.hybridcdn.schemas.events.SegmentDelivered;
import dev.hybridcdn.schemas.events.SegmentEvicted;
import dev.hybridcdn.schemas.events.SegmentInfo;
import dev.hybridcdn.schemas.events.SongPublished;
import dev.hybridcdn.schemas.events.SongRetired;
import dev.hybridcdn.schemas.events.Tier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;

/** One filled-in instance of every event type, for round-trip tests and benchmarks. */
public final class SampleEvents {
  public static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  private static final long TS = 1_790_000_000_000L;

  private SampleEvents() {}

  public static List<SpecificRecord> all() {
    return List.of(
        new PeerJoined("peer-1", "eu-west", "http://127.0.0.1:9000", 5, 64L << 20, TS),
        new PeerHeartbeat("peer-1", TS + 2000, 12, 1_900_000L, 2, 5_000_000L, 7_000_000L, 3.5),
        new PeerHeartbeat("peer-2", TS + 2000, 0, 0L, 0, 0L, 0L, null),
        new PeerLeft("peer-1", TS + 9000, "shutdown"),
        new SegmentCached("peer-1", "demo/128k/seg00003.ts", 160_000L, SHA, TS),
        new SegmentEvicted("peer-1", "demo/128k/seg00003.ts", 160_000L, SHA, TS + 1),
        new LinkMeasured("peer-1", "edge-eu", NodeKind.EDGE, "eu-west", 1.75, 12, TS),
        new LinkMeasured("peer-1", "peer-2", NodeKind.PEER, null, 0.4, 3, TS),
        new PeerExpired("peer-3", TS - 6000, TS),
        new SegmentDelivered("req-1", "peer-1", "demo/128k/seg00003.ts", "demo", "128k", Tier.PEER, "peer-2",
            160_000L, 1_450L, 1, 2, TS, java.util.List.of("peer-1", "peer-2")),
        new EdgeServed("edge-eu", "demo/128k/seg00003.ts", EdgeResult.HIT_MEMORY, 160_000L, 210L, TS,
            EdgeRequester.PEER, "peer-1", null),
        new EdgeServed("edge-us", "demo/128k/seg00003.ts", EdgeResult.MISS, 160_000L, 41_000L, TS,
            EdgeRequester.EDGE, "edge-eu", null),
        new EdgeServed("edge-eu", "demo/128k/seg00003.ts", EdgeResult.MISS, 160_000L, 95_000L, TS,
            EdgeRequester.PLAYER, null, "edge-us"),
        songPublished(),
        new SongRetired("demo", TS, 0L, List.of()),
        new SongRetired("demo", TS, 2L, List.of("demo/64k/seg00000-0123456789abcdef.ts")),
        new dev.hybridcdn.schemas.events.HolderReported("peer-1", "peer-2", "demo/128k/seg00003.ts",
            dev.hybridcdn.schemas.events.HolderFault.BAD_BYTES, TS));
  }

  /**
   * The Avro binary body (no header) of a PeerHeartbeat written by released version 1, which
   * predates {@code meanRttMs}; {@link #heartbeatV1AsToday()} is what it decodes to.
   *
   * @param v1 {@code schema-history/PeerHeartbeat/v1.avsc}
   */
  public static byte[] heartbeatV1Body(Schema v1) throws IOException {
    GenericRecord old = new GenericData.Record(v1);
    old.put("peerId", "peer-7");
    old.put("ts", TS);
    old.put("cachedSegments", 3);
    old.put("cachedBytes", 480_000L);
    old.put("activeUploads", 1);
    old.put("uploadedBytes", 10L);
    old.put("downloadedBytes", 20L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(v1).write(old, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  /** {@link #heartbeatV1Body} in today's class: {@code meanRttMs} takes its default, null. */
  public static PeerHeartbeat heartbeatV1AsToday() {
    return new PeerHeartbeat("peer-7", TS, 3, 480_000L, 1, 10L, 20L, null);
  }

  public static SongPublished songPublished() {
    return new SongPublished("demo", "Morning Coffee", 73_000L, List.of(
        new RenditionInfo("64k", 64, "mp4a.40.2", List.of(
            new SegmentInfo("demo/64k/seg00000.ts", 0, 10_000L, 82_000L, SHA),
            new SegmentInfo("demo/64k/seg00001.ts", 1, 10_000L, 81_500L, SHA))),
        new RenditionInfo("128k", 128, "mp4a.40.2", List.of(
            new SegmentInfo("demo/128k/seg00000.ts", 0, 10_000L, 160_000L, SHA)))), TS, 3L);
  }
}
