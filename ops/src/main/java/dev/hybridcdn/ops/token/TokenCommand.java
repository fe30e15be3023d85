package dev.hybridcdn.ops.token;

import dev.hybridcdn.contract.http.CdnPaths;
import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.schemas.Ids;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.token.PlayerTokens;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdn token --song ID [--ttl S]}: a signed player token for one song (service-kit {@code PlayerTokens},
 * issue 16) with {@code PLAYER_TOKEN_SECRET} from the environment, else from the stack {@code ./cdn up --auth}
 * runs ({@code .cdn/stack.env}). The token on stdout (for scripts); a URL to play on stderr.
 */
@Command(name = "token", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Sign a player token for a song (PLAYER_TOKEN_SECRET, or the stack of ./cdn up --auth).")
public final class TokenCommand implements Callable<Integer> {
  @Option(names = "--song", required = true, description = "Song id the token covers (its playlists and segments).")
  String song;
  @Option(names = "--ttl", paramLabel = "S", description = "Seconds the token is valid (default 3600).")
  long ttlSeconds = PlayerTokens.DEFAULT_TTL.toSeconds();

  @Override
  public Integer call() {
    if (!Ids.isSongId(song)) {
      throw new IllegalArgumentException("--song must be a song id, e.g. manolo-camp-morning-coffee: " + song);
    }
    if (ttlSeconds < 1) {
      throw new IllegalArgumentException("--ttl must be at least 1 second: " + ttlSeconds);
    }
    Map<String, String> vars = StackEnv.load();
    PlayerTokens tokens = PlayerTokens.from(new Env(vars));
    if (tokens == null) {
      System.err.println("no PLAYER_TOKEN_SECRET: set it, or start the stack with ./cdn up --auth");
      return 2;
    }
    String token = tokens.sign(CdnPaths.songAcl(song), Duration.ofSeconds(ttlSeconds));
    System.out.println(token);
    String peers = vars.getOrDefault("PEER_URLS", "");
    String base = peers.isBlank() ? "http://127.0.0.1:9000" : peers.split(",")[0].strip();
    System.err.println("play: ffplay '" + base + CdnPaths.master(song) + "?" + PlayerTokens.PARAM + "=" + token + "'");
    return 0;
  }

  /** {@code ?token=...} for a song's master playlist URL, or {@code ""} when {@code tokens} is null (open). */
  public static String query(PlayerTokens tokens, String songId) {
    return tokens == null ? ""
        : "?" + PlayerTokens.PARAM + "=" + tokens.sign(CdnPaths.songAcl(songId), PlayerTokens.DEFAULT_TTL);
  }
}
