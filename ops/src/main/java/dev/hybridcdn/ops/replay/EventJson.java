package dev.hybridcdn.ops.replay;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hybridcdn.ops.report.JsonReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.io.JsonEncoder;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** Events as Avro JSON (the Avro specification's JSON encoding; unions as {@code {"type": value}}). */
public final class EventJson {
  private EventJson() {}

  /** The Avro JSON encoding of one event, on one line. */
  public static String avroJson(SpecificRecord event) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      JsonEncoder encoder = EncoderFactory.get().jsonEncoder(event.getSchema(), out);
      new SpecificDatumWriter<SpecificRecord>(event.getSchema()).write(event, encoder);
      encoder.flush();
      return out.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One line of {@code cdn events tail}:
   * {@code {"topic","partition","offset","key","type","event":{...Avro JSON...}}}.
   */
  public static String line(String topic, int partition, long offset, String key, SpecificRecord event) {
    try {
      ObjectNode node = JsonNodeFactory.instance.objectNode();
      node.put("topic", topic);
      node.put("partition", partition);
      node.put("offset", offset);
      node.put("key", key);
      node.put("type", event.getSchema().getName());
      node.set("event", JsonReport.mapper().readTree(avroJson(event)));
      return JsonReport.mapper().writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
