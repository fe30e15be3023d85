package dev.hybridcdn.ops.share;

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

/**
 * {@code cdn share FILE [--id ID]}: publishes any file as chunked content in a running stack (issue
 * 14, seed 004's "register"): 4 MiB pieces with 64 KiB chunk hashes stored by the origin and
 * announced on {@code cdn.catalog}; peers then fetch the pieces from several holders at once.
 */
@Command(name = "share", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Share a file through a running stack: stored by the origin in 4 MiB pieces, fetched by peers.")
public final class ShareCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "Any file (under 2 GiB).")
  Path file;
  @Option(names = "--id", description = "Content id, [a-z0-9][a-z0-9_-]{0,63} (default: from the file name).")
  String id;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no such file: " + file);
    }
    String contentId = id != null ? id : idFor(file.getFileName().toString());
    if (!Ids.isSongId(contentId)) {
      throw new IllegalArgumentException("--id must match " + Ids.SONG_ID.pattern() + ": " + contentId);
    }
    OriginConfig config = OriginConfig.from(new Env(StackEnv.load()));
    try (Ingester ingester = Ingester.start(config)) {
      IngestResult r = ingester.share(file, contentId);
      System.out.printf(Locale.ROOT, "shared %s as %s version %d: %d bytes in %d pieces, sha256 %s (%.1f s)%n",
          file, contentId, r.manifest().version(), r.manifest().renditions().get(0).bytes(),
          r.manifest().segmentCount(), FileDownload.sha256(file), r.totalMs() / 1000.0);
    }
    return 0;
  }

  /** A content id from a file name: lower case, other characters as {@code -}, at most 64. */
  static String idFor(String fileName) {
    String s = fileName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "-").replaceAll("^[^a-z0-9]+", "");
    s = s.length() > 64 ? s.substring(0, 64) : s;
    return s.isEmpty() ? "file" : s;
  }
}
