package dev.hybridcdn.ops.stack;

import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.ingest.IngestResult;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cdn ingest FILE --song ID}: one song into a running stack (FFmpeg, PostgreSQL, SongPublished). */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Add a song to a running stack (FFmpeg -> HLS in PostgreSQL).", usageHelpWidth = 120)
public final class IngestCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "An audio file FFmpeg decodes (mp3, wav, flac, ...).")
  Path file;
  @Option(names = "--song", required = true, description = "Song id, [a-z0-9][a-z0-9_-]{0,63}.")
  String song;
  @Option(names = "--title", description = "Title (default: the song id).")
  String title;

  @Override
  public Integer call() {
    if (!Ids.isSongId(song)) {
      throw new IllegalArgumentException("--song must match [a-z0-9][a-z0-9_-]{0,63}: " + song);
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no such file: " + file);
    }
    OriginConfig config = OriginConfig.from(new Env(StackEnv.load()));
    try (Ingester ingester = Ingester.start(config)) {
      IngestResult r = ingester.ingest(file, song, title);
      // One stable line: `./cdn chaos` and scripts read the song id and the new version from it.
      System.out.printf(Locale.ROOT, "ingested %s version %d (%d s of audio, renditions %s) in %.1f s%n",
          r.manifest().songId(), r.manifest().version(), r.manifest().durationMs() / 1000, r.manifest().renditions().stream().map(x -> x.name()).toList(),
          r.totalMs() / 1000.0);
    }
    return 0;
  }
}
