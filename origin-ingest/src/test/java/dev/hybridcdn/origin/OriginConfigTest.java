package dev.hybridcdn.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.config.PgSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginConfigTest {
  @Test
  void defaults() {
    OriginConfig c = OriginConfig.from(new Env(Map.of()));
    assertThat(c.httpPort()).isEqualTo(8081);
    assertThat(c.pg()).isEqualTo(new PgSettings("127.0.0.1", 5432, "postgres", "postgres", ""));
    assertThat(c.httpInstances()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors()));
    assertThat(c.renditions()).containsExactly("64k", "128k", "192k");
    assertThat(c.segmentSeconds()).isEqualTo(10);
    assertThat(c.cacheBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(c.ffmpegPath()).isNull();
    assertThat(c.dbTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.common().topicPrefix()).isEqualTo("cdn.");
    assertThat(c.retention()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void readsTheLadderAndLibpqVariables() {
    OriginConfig c = OriginConfig.from(new Env(Map.of("HTTP_PORT", "0", "PGHOST", "db.local", "PGPORT", "6543",
        "PGDATABASE", "cdn", "PGUSER", "origin", "PGPASSWORD", "secret", "ORIGIN_RENDITIONS", "32k, 96k",
        "ORIGIN_SEGMENT_SECONDS", "6", "TOPIC_PREFIX", "test.", "ORIGIN_EVENT_LOOPS", "3")));
    assertThat(OriginConfig.from(new Env(Map.of("ORIGIN_RETENTION_MS", "5000"))).retention())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(c.httpInstances()).isEqualTo(3);
    assertThat(c.httpPort()).isZero();
    assertThat(c.pg()).isEqualTo(new PgSettings("db.local", 6543, "cdn", "origin", "secret"));
    assertThat(c.renditions()).containsExactly("32k", "96k");
    assertThat(c.segmentSeconds()).isEqualTo(6);
    assertThat(c.common().topicPrefix()).isEqualTo("test.");
  }

  @Test
  void invalidValuesNameTheVariable() {
    for (var bad : List.of(Map.of("HTTP_PORT", "80000"), Map.of("ORIGIN_RENDITIONS", "64k,fast"),
        Map.of("ORIGIN_RENDITIONS", "64k,64k"), Map.of("ORIGIN_RENDITIONS", "4k"),
        Map.of("ORIGIN_SEGMENT_SECONDS", "0"), Map.of("FFMPEG_PATH", "/no/such/ffmpeg"),
        Map.of("ORIGIN_CACHE_BYTES", "-1"), Map.of("PGPORT", "x"), Map.of("ORIGIN_EVENT_LOOPS", "0"),
        Map.of("ORIGIN_RETENTION_MS", "-1"))) {
      String variable = bad.keySet().iterator().next();
      assertThatThrownBy(() -> OriginConfig.from(new Env(bad))).as(variable).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(variable + "=");
    }
  }
}
