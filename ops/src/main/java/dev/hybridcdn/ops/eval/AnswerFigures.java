package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.swarm.PlayerRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where a peer's player latency comes from (issue 13): the players' segment requests by how their
 * peer got the segment ({@code X-CDN-Answer}: local, edge-first, fetch, joined, hedge, fallback, with
 * the tier that answered), read-ahead's lead over the player when it asked, and what start-up waits on.
 */
final class AnswerFigures {
  /** A request slower than this, ms, nears a stall early in a song (one 10 s segment at the eval's 4x). */
  static final long SLOW_MS = 1000;

  private AnswerFigures() {}

  /**
   * One parsed {@code X-CDN-Answer}: {@code how; ahead=<ms>; busy=<n>; up=<n>}; -1 when a field is
   * absent. {@code up} is not tabled: under the emulated network a peer hands an upload's bytes to the
   * shaping front at once and frees its slot, so it reads 0 while the front still paces them.
   */
  record Answer(String how, long aheadMs, int busy, int uploads, String of, long hedgedAfterMs) {
    static Answer parse(String header) {
      if (header == null || header.isBlank()) {
        return new Answer("?", -1, -1, -1, null, -1);
      }
      String[] parts = header.split(";");
      long ahead = -1;
      int busy = -1;
      int up = -1;
      String of = null;
      long hedgedAfter = -1;
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].strip().split("=", 2);
        try {
          if (kv.length == 2 && kv[0].equals("ahead")) {
            ahead = Long.parseLong(kv[1].strip());
          } else if (kv.length == 2 && kv[0].equals("busy")) {
            busy = Integer.parseInt(kv[1].strip());
          } else if (kv.length == 2 && kv[0].equals("up")) {
            up = Integer.parseInt(kv[1].strip());
          } else if (kv.length == 2 && kv[0].equals("of")) {
            of = kv[1].strip();
          } else if (kv.length == 2 && kv[0].equals("hedged-after")) {
            hedgedAfter = Long.parseLong(kv[1].strip());
          }
        } catch (NumberFormatException e) {
          // a malformed field stays unknown (-1)
        }
      }
      return new Answer(parts[0].strip().toLowerCase(Locale.ROOT), ahead, busy, up, of, hedgedAfter);
    }

    /**
     * The row a request falls in: how, what the fetch it waited on was for when that was a read-ahead
     * it joined ({@code of=}), and for a hedge whether the edges were asked at once ({@code hedged-after=0}).
     */
    String group() {
      String g = how;
      if (of != null && !of.equals("player")) {
        g += " of " + of;
      }
      if (how.equals("hedge")) {
        g += hedgedAfterMs == 0 ? ", at once" : hedgedAfterMs > 0 ? ", waited" : "";
      }
      return g;
    }
  }

  /**
   * The segment requests of one phase by how the peer got them and from which tier: count, share,
   * latency avg / p95 / max (request to last byte), requests over {@value #SLOW_MS} ms, and the mean
   * number of fetches under way at the peer when they arrived.
   */
  static EvalTable byHow(String phaseName, List<PlayerRequest> segments) {
    Map<String, List<PlayerRequest>> groups = segments.stream().collect(Collectors.groupingBy(
        q -> Answer.parse(q.answer()).group() + " (" + q.source() + ")", LinkedHashMap::new, Collectors.toList()));
    List<List<String>> rows = new ArrayList<>();
    groups.entrySet().stream().sorted(Comparator.comparingInt((Map.Entry<String, List<PlayerRequest>> e) -> -e.getValue().size()))
        .forEach(e -> {
          Evaluation.Latency l = Evaluation.Latency.of(e.getValue());
          long slow = e.getValue().stream().filter(q -> q.latencyMicros() > SLOW_MS * 1000).count();
          double busy = e.getValue().stream().mapToInt(q -> Answer.parse(q.answer()).busy()).filter(b -> b >= 0)
              .average().orElse(-1);
          rows.add(List.of(e.getKey(), Long.toString(l.count()), Evaluation.pct((double) l.count() / segments.size()),
              Evaluation.ms(l.avg()), Evaluation.ms(l.p95()), Evaluation.ms(l.max()), Long.toString(slow),
              busy < 0 ? "-" : String.format(Locale.ROOT, "%.1f", busy),
              Evaluation.pct(sumMs(e.getValue()) / Math.max(1e-9, sumMs(segments)))));
        });
    return new EvalTable("answers-" + phaseName, "Player segment requests by how the peer got them (" + phaseName + ")",
        List.of("How (tier)", "Requests", "Share", "Avg ms", "p95 ms", "Max ms", "Over " + SLOW_MS + " ms",
            "Fetches under way at the peer", "Share of all latency"), rows,
        "X-CDN-Answer of the player's peer: local = cache hit; edge-first = a miss sent to the edges at once;"
            + " fetch = a miss through tracker, holders, then edges; joined = a read-ahead under way answered;"
            + " hedge = the edges, asked after PLAYER_HEDGE_MS, answered first; fallback = a joined read-ahead"
            + " failed, the edges answered; \"of <purpose>\" = the read-ahead joined (next, p2p-window,"
            + " http-window, switch, burst: a start-up burst's next segments asked of holders); a hedge"
            + " \"at once\" = an overdue read-ahead, raced without waiting."
            + " Fetches under way: at the peer when the request came. Share of all"
            + " latency = this row's summed latency over the phase's: what the average is made of.");
  }

  /**
   * Read-ahead's lead at each segment request (media cached right after it, X-CDN-Answer's ahead) and
   * what start-up waits on (the first segment of each song after its master playlist), per phase.
   */
  static EvalTable leadAndStartup(Map<String, List<PlayerRequest>> allRequestsByPhase) {
    List<List<String>> rows = new ArrayList<>();
    Map<String, List<Long>> leads = new LinkedHashMap<>();
    Map<String, Starts> starts = new LinkedHashMap<>();
    allRequestsByPhase.forEach((phase, reqs) -> {
      leads.put(phase, reqs.stream().filter(q -> !q.failed() && q.kind() == PlayerRequest.Kind.SEGMENT)
          .map(q -> Answer.parse(q.answer()).aheadMs()).filter(a -> a >= 0).sorted().toList());
      starts.put(phase, Starts.of(reqs));
    });
    rows.add(row("segment requests with nothing cached after them (lead 0)", leads,
        l -> l.isEmpty() ? "-" : Evaluation.pct((double) l.stream().filter(a -> a == 0).count() / l.size())));
    rows.add(row("read-ahead lead at a request, median / p10, media s", leads,
        l -> l.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f / %.0f", l.get(l.size() / 2) / 1000.0,
            l.get(l.size() / 10) / 1000.0)));
    rows.add(row("start-up: master playlist avg / p95, ms", starts, s -> s.master));
    rows.add(row("start-up: media playlist avg / p95, ms", starts, s -> s.playlist));
    rows.add(row("start-up: first segment avg / p95, ms", starts, s -> s.segment));
    rows.add(row("start-up: first segment by how (count, avg ms)", starts, s -> s.byHow));
    return new EvalTable("lead", "Read-ahead's lead and what start-up waits on",
        List.of("Figure", "Traditional CDN", "Hybrid", "Peers, P2P off"), rows,
        "Lead = media of the song's rendition the peer had cached right after the requested segment when the"
            + " request came (X-CDN-Answer ahead=; the traditional CDN has no peer). Start-up: each song's master"
            + " playlist, its media playlist and its first segment, as the player timed them (steering not counted).");
  }

  private static <T> List<String> row(String name, Map<String, T> byPhase, java.util.function.Function<T, String> cell) {
    List<String> r = new ArrayList<>(List.of(name));
    for (String phase : List.of("traditional CDN", "hybrid", "peers, P2P off")) {
      T v = byPhase.get(phase);
      r.add(v == null ? "-" : cell.apply(v));
    }
    return r;
  }

  private static double sumMs(List<PlayerRequest> reqs) {
    return reqs.stream().mapToDouble(q -> q.latencyMicros() / 1000.0).sum();
  }

  /** Start-up requests of one phase: each song's master, then its first media playlist and first segment. */
  private record Starts(String master, String playlist, String segment, String byHow) {
    static Starts of(List<PlayerRequest> reqs) {
      List<PlayerRequest> masters = new ArrayList<>();
      List<PlayerRequest> playlists = new ArrayList<>();
      List<PlayerRequest> firsts = new ArrayList<>();
      Map<Integer, List<PlayerRequest>> byPlayer = reqs.stream().filter(q -> !q.failed())
          .collect(Collectors.groupingBy(PlayerRequest::player));
      for (List<PlayerRequest> mine : byPlayer.values()) {
        List<PlayerRequest> ordered = mine.stream().sorted(Comparator.comparingLong(PlayerRequest::ts)).toList();
        int stage = 2; // 0: after a master, 1: after its playlist, 2: playing
        for (PlayerRequest q : ordered) {
          if (q.kind() == PlayerRequest.Kind.MASTER) {
            masters.add(q);
            stage = 0;
          } else if (q.kind() == PlayerRequest.Kind.PLAYLIST && stage == 0) {
            playlists.add(q);
            stage = 1;
          } else if (q.kind() == PlayerRequest.Kind.SEGMENT && stage < 2) {
            firsts.add(q);
            stage = 2;
          }
        }
      }
      // No X-CDN-Answer (a traditional CDN's edge): the tier alone.
      Map<String, List<PlayerRequest>> how = firsts.stream().collect(Collectors.groupingBy(
          q -> q.answer() == null ? q.source() : Answer.parse(q.answer()).how() + " (" + q.source() + ")",
          java.util.TreeMap::new, Collectors.toList()));
      String byHow = how.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().size() + ", "
          + Evaluation.ms(Evaluation.Latency.of(e.getValue()).avg())).collect(Collectors.joining("; "));
      return new Starts(avgP95(masters), avgP95(playlists), avgP95(firsts), byHow.isEmpty() ? "-" : byHow);
    }

    private static String avgP95(List<PlayerRequest> reqs) {
      Evaluation.Latency l = Evaluation.Latency.of(reqs);
      return l.count() == 0 ? "-" : Evaluation.ms(l.avg()) + " / " + Evaluation.ms(l.p95());
    }
  }
}
