package dev.hybridcdn.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ManifestTest {
  @Test
  void readsSegmentsOfEveryRendition() {
    JsonObject json = new JsonObject("""
        {"songId":"demo","title":"Demo","durationMs":20000,"renditions":[
          {"name":"64k","bitrateKbps":64,"codec":"mp4a.40.2","playlist":"/hls/demo/64k/playlist.m3u8","segments":[
            {"segmentId":"demo/64k/seg00000.ts","index":0,"durationMs":10000,"bytes":80000,"sha256":"AB12"}]},
          {"name":"128k","bitrateKbps":128,"codec":"mp4a.40.2","playlist":"/hls/demo/128k/playlist.m3u8","segments":[
            {"segmentId":"demo/128k/seg00000.ts","index":0,"durationMs":10000,"bytes":160000,"sha256":"cd34"},
            {"segmentId":"demo/128k/seg00001.ts","index":1,"durationMs":10000,"bytes":159000,"sha256":"ef56"}]}]}
        """);
    Manifest m = Manifest.parse(json);
    assertThat(m.songId()).isEqualTo("demo");
    assertThat(m.segmentCount()).isEqualTo(3);
    assertThat(m.segment("demo/64k/seg00000.ts")).isEqualTo(new Manifest.SegmentInfo("demo/64k/seg00000.ts", 80000, "ab12"));
    assertThat(m.segment("demo/128k/seg00001.ts").bytes()).isEqualTo(159000);
    assertThat(m.segment("demo/128k/seg00009.ts")).isNull();
  }

  @Test
  void malformedManifestsAreRefused() {
    assertThatThrownBy(() -> Manifest.parse(new JsonObject("{\"renditions\":[]}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Manifest.parse(new JsonObject(
        "{\"songId\":\"x\",\"renditions\":[{\"segments\":[{\"segmentId\":\"x/64k/a.ts\"}]}]}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Manifest.parse(new JsonObject("{\"songId\":\"x\",\"renditions\":\"no\"}")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
