package dev.hybridcdn.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OriginMainTest {
  private static int run(StringWriter err, String... args) {
    CommandLine cli = new CommandLine(new OriginMain());
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void ingestWithoutASongIdIsAUsageErrorNamingTheOption() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "ingest", "song.mp3")).isEqualTo(2);
    assertThat(err.toString()).contains("--song");
  }

  @Test
  void anInvalidSongIdStopsBeforeAnythingStarts() {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true));
    try {
      assertThat(run(new StringWriter(), "ingest", "song.mp3", "--song", "Not Valid")).isEqualTo(2);
    } finally {
      System.setErr(original);
    }
    assertThat(captured.toString()).contains("invalid song id 'Not Valid'");
  }
}
