package dev.hybridcdn.ops.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hybridcdn.ops.report.JsonReport;
import dev.hybridcdn.schemas.events.PeerHeartbeat;
import dev.hybridcdn.schemas.topics.TopicRegistry;
import org.junit.jupiter.api.Test;

class EventJsonTest {
  @Test
  void aLineCarriesWhereTheEventCameFromAndItsAvroJson() throws Exception {
    PeerHeartbeat hb = PeerHeartbeat.newBuilder().setPeerId("peer-3").setTs(1_700_000_000_000L).setCachedSegments(4)
        .setCachedBytes(640_000).setActiveUploads(1).setUploadedBytes(160_000).setDownloadedBytes(800_000)
        .setMeanRttMs(2.5).build();
    JsonNode line = JsonReport.mapper().readTree(EventJson.line("cdn.peer-events", 2, 41, "peer-3", hb));
    assertThat(line.get("topic").asText()).isEqualTo("cdn.peer-events");
    assertThat(line.get("partition").asInt()).isEqualTo(2);
    assertThat(line.get("offset").asLong()).isEqualTo(41);
    assertThat(line.get("key").asText()).isEqualTo("peer-3");
    assertThat(line.get("type").asText()).isEqualTo("PeerHeartbeat");
    assertThat(line.get("event").get("uploadedBytes").asLong()).isEqualTo(160_000);
    // Avro's JSON encoding wraps a union value in its branch type.
    assertThat(line.get("event").get("meanRttMs").get("double").asDouble()).isEqualTo(2.5);
  }

  @Test
  void tailTakesSuffixesOrFullNamesOfRegistryTopicsOnly() {
    EventTail tail = new EventTail("127.0.0.1:1", new TopicRegistry("test."));
    assertThat(tail.resolve("delivery-events")).isEqualTo("test.delivery-events");
    assertThat(tail.resolve("test.peer-events")).isEqualTo("test.peer-events");
    assertThatThrownBy(() -> tail.resolve("orders")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("test.catalog");
  }
}
