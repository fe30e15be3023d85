package dev.hybridcdn.tracker.index;

import java.nio.ByteBuffer;
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

  public static Serde<LoadWindow> serde() {
    return Serdes.serdeFrom(
        (topic, w) -> w == null ? null : ByteBuffer.allocate(16).putLong(w.heartbeats).putLong(w.uploadedBytes).array(),
        (topic, data) -> {
          if (data == null) {
            return null;
          }
          ByteBuffer b = ByteBuffer.wrap(data);
          return new LoadWindow(b.getLong(), b.getLong());
        });
  }
}
