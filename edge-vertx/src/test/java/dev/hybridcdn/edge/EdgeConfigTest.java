package dev.hybridcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.edge.shield.ShieldClient;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.config.PgSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeConfigTest {
  @Test
  void defaultsMatchTheContract() {
    EdgeConfig c = EdgeConfig.from(new Env(Map.of()));
    assertThat(c.httpPort()).isEqualTo(8082);
    assertThat(c.originUrl()).isEqualTo("http://127.0.0.1:8081");
    assertThat(c.redisUrl()).isEqualTo("redis://127.0.0.1:6379");
    assertThat(c.redisKeyPrefix()).isEqualTo("cdn:edge:edge-1:");
    assertThat(c.pg().host()).isEqualTo("127.0.0.1");
    assertThat(c.pg().port()).isEqualTo(5432);
    assertThat(c.pg().database()).isEqualTo("postgres");
    assertThat(c.common().kafkaBootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(c.common().topicPrefix()).isEqualTo("cdn.");
    assertThat(c.documentCacheEntries()).isEqualTo(10_000);
    assertThat(c.documentCacheBytes()).isEqualTo(64L << 20);
    assertThat(c.staleIfError()).isEqualTo(Duration.ofDays(1));
    assertThat(c.originProbe()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(1))
        .as("clients give up idle connections first (the keep-alive race)")
        .isGreaterThan(Duration.ofSeconds(dev.hybridcdn.servicekit.http.KeepAlive.CLIENT_IDLE_S));
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(c.shields()).isEmpty();
    assertThat(c.shieldTimeout()).isEqualTo(Duration.ofSeconds(6));
  }

  @Test
  void readsTheShields() {
    EdgeConfig c = EdgeConfig.from(new Env(Map.of("EDGE_SHIELDS", "edge-2=http://edge-2:8083/, edge-3=https://e3",
        "EDGE_ORIGIN_TIMEOUT_MS", "2000")));
    assertThat(c.shields()).containsExactly(new ShieldClient.Shield("edge-2", "http://edge-2:8083"),
        new ShieldClient.Shield("edge-3", "https://e3"));
    assertThat(c.shieldTimeout()).isEqualTo(Duration.ofSeconds(3));
    for (String bad : new String[] {"http://edge-2:8083", "edge-2=ftp://x", "../x=http://x", "a=http://x,a=http://y"}) {
      assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("EDGE_SHIELDS", bad)))).as(bad)
          .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo("EDGE_SHIELDS"));
    }
  }

  @Test
  void everyEdgePicksTheSameShieldForASegmentAndTheShieldsShareTheSegments() {
    var shields = ShieldClient.parse("EDGE_SHIELDS", "s1=http://a,s2=http://b,s3=http://c");
    int[] picked = new int[3];
    for (int i = 0; i < 3000; i++) {
      String segment = "song" + (i % 50) + "/128k/seg" + i + ".ts";
      // Rendezvous weights depend on the shield and the segment only, so any edge computes the same winner.
      int best = 0;
      for (int s = 1; s < 3; s++) {
        if (ShieldClient.weight(shields.get(s).id(), segment) > ShieldClient.weight(shields.get(best).id(), segment)) {
          best = s;
        }
      }
      picked[best]++;
    }
    assertThat(java.util.Arrays.stream(picked).boxed().toList()).allMatch(n -> n > 800);
  }

  @Test
  void readsTheResilienceVariables() {
    EdgeConfig c = EdgeConfig.from(new Env(Map.of("EDGE_DOCUMENT_CACHE_ENTRIES", "50",
        "EDGE_DOCUMENT_CACHE_BYTES", "4096", "EDGE_STALE_IF_ERROR_MS", "0", "EDGE_ORIGIN_PROBE_MS", "250",
        "EDGE_IDLE_TIMEOUT_MS", "0", "EDGE_WRITE_TIMEOUT_MS", "1500")));
    assertThat(c.documentCacheEntries()).isEqualTo(50);
    assertThat(c.documentCacheBytes()).isEqualTo(4096);
    assertThat(c.staleIfError()).isZero();
    assertThat(c.originProbe()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.idleTimeout()).isZero();
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("EDGE_DOCUMENT_CACHE_ENTRIES", "0"))))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.variable()).isEqualTo("EDGE_DOCUMENT_CACHE_ENTRIES"));
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("EDGE_WRITE_TIMEOUT_MS", "0"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo("EDGE_WRITE_TIMEOUT_MS"));
  }

  @Test
  void readsEveryVariable() {
    EdgeConfig c = EdgeConfig.from(new Env(Map.ofEntries(
        Map.entry("EDGE_ID", "edge-eu-2"), Map.entry("REGION", "eu-west"), Map.entry("HTTP_PORT", "0"),
        Map.entry("ORIGIN_URL", "http://origin:9999/"), Map.entry("REDIS_URL", "redis://cache:6380"),
        Map.entry("EDGE_REDIS_TTL_MS", "60000"), Map.entry("EDGE_REDIS_BUDGET_BYTES", "1000"),
        Map.entry("EDGE_PG_BUDGET_BYTES", "2000"), Map.entry("EDGE_ORIGIN_TIMEOUT_MS", "700"),
        Map.entry("PGHOST", "db"), Map.entry("PGPORT", "5433"), Map.entry("PGDATABASE", "cdn"),
        Map.entry("PGUSER", "edge"), Map.entry("PGPASSWORD", "s3cret"), Map.entry("TOPIC_PREFIX", "t1."))));
    assertThat(c.edgeId()).isEqualTo("edge-eu-2");
    assertThat(c.region()).isEqualTo("eu-west");
    assertThat(c.httpPort()).isZero();
    assertThat(c.originUrl()).isEqualTo("http://origin:9999");
    assertThat(c.redisUrl()).isEqualTo("redis://cache:6380");
    assertThat(c.redisKeyPrefix()).isEqualTo("cdn:edge:edge-eu-2:");
    assertThat(c.redisTtl()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.redisBudgetBytes()).isEqualTo(1000);
    assertThat(c.pgBudgetBytes()).isEqualTo(2000);
    assertThat(c.originTimeout()).isEqualTo(Duration.ofMillis(700));
    assertThat(c.pg()).isEqualTo(new PgSettings("db", 5433, "cdn", "edge", "s3cret"));
    assertThat(c.pg().toString()).doesNotContain("s3cret");
    assertThat(c.common().topicPrefix()).isEqualTo("t1.");
  }

  @Test
  void invalidValuesNameTheVariable() {
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("HTTP_PORT", "80x"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("HTTP_PORT");
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("EDGE_ID", "../etc"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo("EDGE_ID"));
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("REDIS_URL", "http://x:1"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo("REDIS_URL"));
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("ORIGIN_URL", "origin:8081"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo("ORIGIN_URL"));
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("EDGE_REDIS_BUDGET_BYTES", "0"))))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.variable()).isEqualTo("EDGE_REDIS_BUDGET_BYTES"));
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("PGPORT", "0"))))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.variable()).isEqualTo("PGPORT"));
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("EDGE_REDIS_KEY_PREFIX", "a b*"))))
        .isInstanceOfSatisfying(ConfigException.class,
            e -> assertThat(e.variable()).isEqualTo("EDGE_REDIS_KEY_PREFIX"));
  }

  @Test
  void theNearCacheKeepsItsCopiesOnTmpfsByDefaultOrInMemoryOnRequest() {
    boolean shm = dev.hybridcdn.servicekit.files.TmpfsFiles.isTmpfs(java.nio.file.Path.of("/dev/shm"));
    assertThat(EdgeConfig.from(new Env(Map.of())).nearCacheDir()).isEqualTo(shm ? "/dev/shm" : "none");
    assertThat(EdgeConfig.from(new Env(Map.of("EDGE_NEAR_CACHE_DIR", "none"))).nearCacheDir()).isEqualTo("none");
    assertThatThrownBy(() -> EdgeConfig.from(new Env(Map.of("EDGE_NEAR_CACHE_DIR", "/no/such/dir"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("EDGE_NEAR_CACHE_DIR")
        .hasMessageContaining("tmpfs");
  }
}
