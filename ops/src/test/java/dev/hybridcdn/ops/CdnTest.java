package dev.hybridcdn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CdnTest {
  private static String[] captured(Supplier<Integer> run) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      int code = run.get();
      return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void helpListsEveryCommandOnOneLineEach() {
    String[] r = captured(() -> Cdn.run("--help"));
    assertThat(r[0]).isEqualTo("0");
    List<String> commandLines = Arrays.stream(r[1].substring(r[1].indexOf("Commands:")).split("\n")).skip(1)
        .filter(l -> !l.isBlank()).toList();
    assertThat(commandLines).extracting(l -> l.strip().split("\\s+")[0])
        .containsExactly("demo", "eval", "up", "ps", "chaos", "ingest", "swarm", "replay", "events", "bench", "share", "get",
            "list", "retire", "token");
  }

  @Test
  void tokenNeedsASongIdAndASecret() {
    String[] bad = captured(() -> Cdn.run("token", "--song", "Bad Id"));
    assertThat(bad[0]).isEqualTo("2");
    assertThat(bad[2]).contains("--song");
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("PLAYER_TOKEN_SECRET") == null);
    String[] none = captured(() -> Cdn.run("token", "--song", "demo"));
    assertThat(none[0]).isEqualTo("2");
    assertThat(none[2]).contains("PLAYER_TOKEN_SECRET");
  }

  @Test
  void invalidUsageExitsTwoWithAMessageNamingTheProblem() {
    String[] r = captured(() -> Cdn.run("ingest", "media/x.mp3", "--song", "Bad Id"));
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--song");
    r = captured(() -> Cdn.run("replay", "--from", "yesterday"));
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--from");
    r = captured(() -> Cdn.run("replay", "--bootstrap", "not a host"));
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("KAFKA_BOOTSTRAP_SERVERS");
    r = captured(() -> Cdn.run("demo", "--peers", "0"));
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--peers");
  }
}
