package dev.hybridcdn.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.SampleEvents;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.events.SegmentCached;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class SingleObjectCodecTest {
  private final EventCodec codec = SingleObjectCodec.instance();

  @Test
  void everyEventTypeRoundTrips() {
    for (SpecificRecord event : SampleEvents.all()) {
      byte[] bytes = codec.encode("cdn.test", event);
      assertThat(codec.decode("cdn.test", bytes)).as(event.getSchema().getName()).isEqualTo(event);
    }
    assertThat(SampleEvents.all().stream().map(Object::getClass).distinct().count())
        .as("samples cover every event type").isEqualTo(EventTypes.byFullName().size());
  }

  @Test
  void writesTheSpecificationsSingleObjectEncoding() throws Exception {
    SegmentCached event = (SegmentCached) SampleEvents.all().get(4);
    byte[] bytes = codec.encode("t", event);
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fp = SchemaNormalization.parsingFingerprint64(SegmentCached.getClassSchema());
    for (int i = 0; i < 8; i++) {
      assertThat(bytes[2 + i]).isEqualTo((byte) (fp >>> (8 * i)));
    }
    // Avro's own single-object decoder reads our bytes: the format is the specification's.
    BinaryMessageDecoder<SegmentCached> avro = SegmentCached.getDecoder();
    assertThat(avro.decode(bytes)).isEqualTo(event);
  }

  @Test
  void decodesAnEventWrittenWithAnOlderReleasedVersion() throws Exception {
    Schema v1 = SchemaHistory.load().versions("PeerHeartbeat").get(0).schema();
    assertThat(v1.getField("meanRttMs")).as("v1 predates meanRttMs").isNull();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SingleObjectCodec.header(v1));
    out.writeBytes(SampleEvents.heartbeatV1Body(v1));

    SpecificRecord decoded = codec.decode("cdn.peer-events", out.toByteArray());

    assertThat(decoded).isInstanceOf(PeerHeartbeat.class);
    PeerHeartbeat hb = (PeerHeartbeat) decoded;
    assertThat(hb.getPeerId()).isEqualTo("peer-7");
    assertThat(hb.getCachedBytes()).isEqualTo(480_000L);
    assertThat(hb.getMeanRttMs()).as("default of the field added in v2").isNull();
    assertThat(hb).isEqualTo(SampleEvents.heartbeatV1AsToday());
  }

  @Test
  void rejectsBytesThatAreNotAnEventWithAClearError() {
    assertThatThrownBy(() -> codec.decode("cdn.peer-events", "hello world".getBytes()))
        .isInstanceOf(EventDecodingException.class).hasMessageContaining("cdn.peer-events")
        .hasMessageContaining("marker");
    assertThatThrownBy(() -> codec.decode("cdn.peer-events", new byte[] {(byte) 0xC3, 1, 2}))
        .isInstanceOf(EventDecodingException.class).hasMessageContaining("shorter than the 10-byte header");
    byte[] unknown = new byte[] {(byte) 0xC3, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0};
    assertThatThrownBy(() -> codec.decode("cdn.peer-events", unknown))
        .isInstanceOf(EventDecodingException.class).hasMessageContaining("unknown schema fingerprint");
  }

  @Test
  void rejectsTruncatedAndTrailingBodies() {
    byte[] good = codec.encode("t", SampleEvents.songPublished());
    byte[] truncated = Arrays.copyOf(good, good.length - 7);
    assertThatThrownBy(() -> codec.decode("cdn.catalog", truncated))
        .isInstanceOf(EventDecodingException.class).hasMessageContaining("SongPublished");
    byte[] trailing = Arrays.copyOf(good, good.length + 3);
    assertThatThrownBy(() -> codec.decode("cdn.catalog", trailing))
        .isInstanceOf(EventDecodingException.class).hasMessageContaining("trailing");
  }
}
