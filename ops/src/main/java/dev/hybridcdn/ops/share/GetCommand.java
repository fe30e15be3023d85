package dev.hybridcdn.ops.share;

import dev.hybridcdn.contract.manifest.Manifest;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cdn get ID [-o FILE] [--peer URL]}: downloads shared content through a peer (from many
 * holders in chunks), with a progress bar, each piece checked against its SHA-256; prints the file's
 * SHA-256 to compare with what {@code cdn share} printed.
 */
@Command(name = "get", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Download shared content through a peer (many holders at once), verified piece by piece.")
public final class GetCommand implements Callable<Integer> {
  @Parameters(paramLabel = "ID", description = "Content id (cdn list).")
  String id;
  @Option(names = {"-o", "--output"}, description = "Where to write it (default: the shared file's name).")
  Path output;
  @Option(names = "--peer", description = "Peer base URL (default: the stack's first peer, PEER_URLS).")
  String peer;

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = StackEnv.load();
    String peerUrl = peer != null ? peer : first(env.get("PEER_URLS"), "PEER_URLS (or --peer)");
    List<String> documents = new ArrayList<>();
    for (String e : env.getOrDefault("EDGE_URLS", "").split(",")) {
      if (!e.isBlank()) {
        documents.add(e.strip());
      }
    }
    if (env.get("ORIGIN_URL") != null) {
      documents.add(env.get("ORIGIN_URL"));
    }
    FileDownload download = new FileDownload(PlayerTokens.from(new Env(env))); // signed when the stack wants tokens
    Manifest m = download.manifest(documents, id);
    Path out = output != null ? output : Path.of(m.title().isBlank() ? id : Path.of(m.title()).getFileName().toString());
    FileDownload.Result r = download.download(m, peerUrl, out, System.err);
    System.out.printf(Locale.ROOT, "got %s -> %s: %d bytes, %d pieces in %.2f s (%.1f MiB/s), sources %s, sha256 %s%n",
        id, out, r.bytes(), r.pieces(), r.ms() / 1000.0, r.bytes() / 1048576.0 / Math.max(0.001, r.ms() / 1000.0),
        r.sources(), r.sha256());
    return 0;
  }

  private static String first(String list, String what) {
    if (list == null || list.isBlank()) {
      throw new IllegalArgumentException("no peer known: set " + what + "; is a stack running (./cdn up)?");
    }
    return list.split(",")[0].strip();
  }
}
