package dev.hybridcdn.origin;

import dev.hybridcdn.origin.ingest.HlsTranscoder;
import dev.hybridcdn.origin.ingest.IngestException;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code origin-ingest} command line: {@code serve} (default) runs the origin server;
 * {@code ingest FILE --song ID [--title T]} ingests one audio file. Configuration comes from the
 * environment ({@link OriginConfig}). Exit codes: 0 done, 1 ingest or start failure (message on
 * stderr), 2 invalid configuration or usage.
 */
@Command(name = "origin-ingest", mixinStandardHelpOptions = true,
    description = "hybrid-cdn origin: FFmpeg ingest into PostgreSQL and the origin HTTP server.",
    subcommands = {OriginMain.Serve.class, OriginMain.Ingest.class})
public final class OriginMain implements Callable<Integer> {
  static final int EXIT_FAILURE = 1;
  static final int EXIT_CONFIG = 2;

  public static void main(String[] args) {
    // Kafka clients log their whole configuration at INFO; keep the command's output readable.
    if (System.getProperty("org.slf4j.simpleLogger.log.org.apache.kafka") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }
    CommandLine cli = new CommandLine(new OriginMain());
    cli.setExitCodeExceptionMapper(e -> e instanceof ConfigException ? EXIT_CONFIG : EXIT_FAILURE);
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() {
    return new Serve().call();
  }

  private static OriginConfig config() {
    return OriginConfig.from(Env.system());
  }

  @Command(name = "serve", description = "Run the origin HTTP server (default command).")
  static final class Serve implements Callable<Integer> {
    @Override
    public Integer call() {
      OriginConfig config;
      try {
        config = config();
      } catch (ConfigException e) {
        System.err.println("origin: " + e.getMessage());
        return EXIT_CONFIG;
      }
      OriginServer server;
      try {
        server = OriginServer.start(config);
      } catch (RuntimeException e) {
        System.err.println("origin: " + e.getMessage());
        return EXIT_FAILURE;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        stopped.countDown();
      }, "origin-shutdown"));
      System.out.println("origin listening on http://127.0.0.1:" + server.port());
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0;
    }
  }

  @Command(name = "ingest", description = "Ingest an audio file as an HLS rendition ladder and announce it.")
  static final class Ingest implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "audio file (MP3, WAV, FLAC, OGG, ...)")
    Path file;

    @Option(names = "--song", required = true, paramLabel = "ID", description = "song id, [a-z0-9][a-z0-9_-]{0,63}")
    String songId;

    @Option(names = "--title", paramLabel = "T", description = "title (default: the song id)")
    String title;

    @Override
    public Integer call() {
      OriginConfig config;
      try {
        config = config();
      } catch (ConfigException e) {
        System.err.println("origin ingest: " + e.getMessage());
        return EXIT_CONFIG;
      }
      if (!dev.hybridcdn.schemas.Ids.isSongId(songId)) {
        System.err.println("origin ingest: invalid song id '" + songId + "': expected "
            + dev.hybridcdn.schemas.Ids.SONG_ID.pattern());
        return EXIT_CONFIG;
      }
      try (Ingester ingester = Ingester.start(config)) {
        IngestResult result;
        if (System.console() != null) {
          try (ProgressBar bar = new ProgressBarBuilder().setTaskName("ingest " + songId).setInitialMax(100)
              .setStyle(ProgressBarStyle.ASCII).setUnit(" s", 1000).build()) {
            HlsTranscoder.Progress progress = (done, total) -> {
              bar.maxHint(total);
              bar.stepTo(done);
            };
            result = ingester.ingest(file, songId, title, progress);
          }
        } else {
          result = ingester.ingest(file, songId, title);
        }
        Manifest m = result.manifest();
        System.out.printf("ingested %s as %s version %d: %.1f s of audio, %d renditions, %d segments, "
            + "%.1f s of audio per s%n", file, m.songId(), m.version(), m.durationMs() / 1000.0, m.renditions().size(),
            m.renditions().stream().mapToInt(r -> r.segments().size()).sum(), result.speed());
        return 0;
      } catch (IngestException e) {
        System.err.println("origin ingest: " + e.getMessage());
        return EXIT_FAILURE;
      } catch (RuntimeException e) {
        System.err.println("origin ingest: " + e.getMessage());
        return EXIT_FAILURE;
      }
    }
  }
}
