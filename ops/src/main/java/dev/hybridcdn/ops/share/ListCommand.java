package dev.hybridcdn.ops.share;

import dev.hybridcdn.contract.manifest.ManifestJson;
import dev.hybridcdn.contract.manifest.SongSummary;
import dev.hybridcdn.ops.StackEnv;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code cdn list}: the content of a running stack (songs and shared files, from the origin) with
 * how many segments or pieces peers hold and how many copies the swarm has (tracker {@code /content}).
 */
@Command(name = "list", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "List songs and shared files with the swarm's holder counts.")
public final class ListCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    Map<String, String> env = StackEnv.load();
    String origin = require(env, "ORIGIN_URL");
    String tracker = require(env, "TRACKER_URL");
    HttpClient http = StackEnv.httpClient(Duration.ofSeconds(5));
    List<SongSummary> songs = ManifestJson.parseSongList(get(http, origin + "/songs"));
    Map<String, int[]> held = new HashMap<>();
    new JsonObject(get(http, tracker + "/content")).getJsonArray("songs").forEach(o -> {
      JsonObject s = (JsonObject) o;
      held.put(s.getString("songId"), new int[] {s.getInteger("segmentCount"), s.getInteger("holders")});
    });
    System.out.printf(Locale.ROOT, "%-32s %-32s %-12s %14s %14s%n", "id", "title", "renditions", "segments held",
        "holder copies");
    for (SongSummary s : songs) {
      int[] h = held.getOrDefault(s.songId(), new int[2]);
      System.out.printf(Locale.ROOT, "%-32s %-32s %-12s %14d %14d%n", s.songId(), s.title(),
          String.join(",", s.renditions()), h[0], h[1]);
    }
    return 0;
  }

  private static String get(HttpClient http, String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode());
    }
    return r.body();
  }

  private static String require(Map<String, String> env, String name) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(name + " is not set: is a stack running (./cdn up)?");
    }
    return v;
  }
}
