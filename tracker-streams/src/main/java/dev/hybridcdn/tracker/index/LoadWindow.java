package dev.hybridcdn.tracker.index;

import dev.hybridcdn.schemas.internal.InternalRecords;
import dev.hybridcdn.schemas.internal.PeerLoadWindow;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One tumbling window of a peer's load: heartbeats received and bytes it uploaded to other peers
 * (the growth of PeerHeartbeat's cumulative {@code uploadedBytes}) in the window.
 *
 * @param heartbeats heartbeats in the window
 * @param uploadedBytes bytes served to other peers in the window
 */
public record LoadWindow(long heartbeats, long uploadedBytes) {
  public LoadWindow add(long beats, long bytes) {
    return new LoadWindow(heartbeats + beats, uploadedBytes + bytes);
  }

  private static final Serde<PeerLoadWindow> RECORDS = InternalRecords.serde(PeerLoadWindow.class);
  private static final Serde<LoadWindow> SERDE = Serdes.serdeFrom(
      (topic, w) -> w == null ? null : RECORDS.serializer().serialize(topic,
          new PeerLoadWindow(w.heartbeats, w.uploadedBytes)),
      (topic, data) -> {
        PeerLoadWindow r = RECORDS.deserializer().deserialize(topic, data);
        return r == null ? null : new LoadWindow(r.getHeartbeats(), r.getUploadedBytes());
      });

  /** The serde of {@link TrackerStores#PEER_LOAD_WINDOWS}: the Avro record {@link PeerLoadWindow} (schemas). */
  public static Serde<LoadWindow> serde() {
    return SERDE;
  }
}
