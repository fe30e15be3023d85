package dev.hybridcdn.tracker.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hybridcdn.tracker.index.HolderRanking;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lookup answer written byte by byte equals what Vert.x's JsonObject encodes, escapes and all. */
class LookupJsonTest {
  private static String viaJsonObject(String segmentId, List<HolderRanking.Ranked> holders) {
    JsonArray list = new JsonArray();
    for (HolderRanking.Ranked r : holders) {
      JsonObject h = new JsonObject().put("peerId", r.peerId()).put("baseUrl", r.baseUrl()).put("region", r.region())
          .put("rttMs", r.rttMs() == null || !Double.isFinite(r.rttMs()) ? null : r.rttMs()).put("load", r.load());
      if (r.token() != null) {
        h.put("token", r.token());
      }
      list.add(h);
    }
    return new JsonObject().put("segmentId", segmentId).put("holders", list).encode();
  }

  @Test
  void answersAsJsonObjectWouldForManyHoldersWithTokens() {
    List<HolderRanking.Ranked> holders = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      holders.add(new HolderRanking.Ranked("peer-" + i, "http://10.0.0." + i + ":9000", "eu-west",
          i % 3 == 0 ? null : 0.5 + i, i / 7.0, "eyJhbGciOiJFZERTQSJ9." + "x".repeat(400) + i));
    }
    String json = LookupJson.encode("song-001/128k/seg00042.ts", holders).toString(StandardCharsets.UTF_8);
    assertThat(json).isEqualTo(viaJsonObject("song-001/128k/seg00042.ts", holders));
    assertThat(new JsonObject(json).getJsonArray("holders")).hasSize(200);
  }

  @Test
  void escapesQuotesControlCharactersAndNonAsciiAsValidUtf8() {
    List<HolderRanking.Ranked> holders = List.of(
        new HolderRanking.Ranked("p\"1\\", "http://h/\n\r\t\u0001", "r\u00e9gion-\u6771\uD83C\uDFB5", 1e-7,
            Double.NaN, null),
        new HolderRanking.Ranked("p2", null, "eu", Double.POSITIVE_INFINITY, 12345678.25, "t"));
    String json = LookupJson.encode("s\u00e9g", holders).toString(StandardCharsets.UTF_8);
    JsonObject parsed = new JsonObject(json);
    assertThat(parsed.getString("segmentId")).isEqualTo("s\u00e9g");
    JsonObject first = parsed.getJsonArray("holders").getJsonObject(0);
    assertThat(first.getString("peerId")).isEqualTo("p\"1\\");
    assertThat(first.getString("baseUrl")).isEqualTo("http://h/\n\r\t\u0001");
    assertThat(first.getString("region")).isEqualTo("r\u00e9gion-\u6771\uD83C\uDFB5");
    assertThat(first.getDouble("rttMs")).isEqualTo(1e-7);
    assertThat(first.getValue("load")).isNull();
    assertThat(first.containsKey("token")).isFalse();
    JsonObject second = parsed.getJsonArray("holders").getJsonObject(1);
    assertThat(second.getValue("baseUrl")).isNull();
    assertThat(second.getValue("rttMs")).isNull();
    assertThat(second.getDouble("load")).isEqualTo(12345678.25);
    assertThat(second.getString("token")).isEqualTo("t");
  }

  @Test
  void noHolders() {
    assertThat(LookupJson.encode("a/b/c.ts", List.of()).toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"segmentId\":\"a/b/c.ts\",\"holders\":[]}");
  }
}
