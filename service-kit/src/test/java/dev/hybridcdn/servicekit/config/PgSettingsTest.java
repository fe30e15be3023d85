package dev.hybridcdn.servicekit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PgSettingsTest {
  @Test
  void libpqDefaults() {
    assertThat(PgSettings.from(new Env(Map.of())))
        .isEqualTo(new PgSettings("127.0.0.1", 5432, "postgres", "postgres", ""));
  }

  @Test
  void readsTheLibpqVariablesAndNeverPrintsThePassword() {
    PgSettings pg = PgSettings.from(new Env(Map.of("PGHOST", "db.local", "PGPORT", "6543", "PGDATABASE", "cdn",
        "PGUSER", "origin", "PGPASSWORD", "s3cret")));
    assertThat(pg).isEqualTo(new PgSettings("db.local", 6543, "cdn", "origin", "s3cret"));
    assertThat(pg.where()).isEqualTo("db.local:6543/cdn");
    assertThat(pg.toString()).isEqualTo("origin@db.local:6543/cdn").doesNotContain("s3cret");
    assertThat(PgSettings.from(new Env(Map.of("PGHOST", "/var/run/postgresql"))).host())
        .isEqualTo("/var/run/postgresql");
  }

  @Test
  void invalidValuesNameTheVariable() {
    for (var bad : List.of(Map.of("PGPORT", "x"), Map.of("PGPORT", "0"), Map.of("PGPORT", "70000"),
        Map.of("PGHOST", "db host"), Map.of("PGDATABASE", "a;drop"), Map.of("PGDATABASE", "d".repeat(64)),
        Map.of("PGUSER", "me me"))) {
      String variable = bad.keySet().iterator().next();
      assertThatThrownBy(() -> PgSettings.from(new Env(bad))).as(variable).isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(variable + "=");
    }
  }
}
