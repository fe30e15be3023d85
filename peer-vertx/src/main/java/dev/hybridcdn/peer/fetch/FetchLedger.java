package dev.hybridcdn.peer.fetch;

import dev.hybridcdn.schemas.events.Tier;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Why a peer's downloads came from where they came (issue 13: the P2P share of peers' downloads):
 * segments and bytes fetched per {@link Purpose} and source tier, and what happened to the P2P
 * window's fetches and holder requests. Plain adders, no Micrometer meters: a peer in a 1000-peer
 * host keeps its memory small. Thread-safe; {@link #snapshot} sums into a map (keys below) that a
 * host adds up over its peers ({@code cdn eval} prints the sums).
 */
public final class FetchLedger {
  /** Who started a fetch (the first caller of a flight; a later joiner is not counted again). */
  public enum Purpose {
    /** A player's miss ({@code fetchUrgent} from the player route). */
    PLAYER,
    /** Read-ahead's next segment after a miss (a player's start-up burst): where it finishes first. */
    HTTP_WINDOW,
    /** Read-ahead's next segment after a local hit (steady play): holders first, then the edges. */
    NEXT,
    /** The segments of a rendition a player switches to: where they finish first. */
    SWITCH,
    /** Read-ahead further ahead, from holders only. */
    P2P_WINDOW,
    /**
     * What a player in its start-up burst asks for next (its 30 s buffer goal), asked of holders
     * only as it misses, so its next requests join transfers under way.
     */
    BURST,
    /** A slow player fetch raced by the edges ({@code PLAYER_HEDGE_MS}). */
    HEDGE,
    /** The start of a song popular in the swarm, kept ready for a player who has not asked yet (WarmStarts). */
    WARM,
    /** A segment the topology pushed to this peer (song distribution): holders first, then the edges. */
    PUSH
  }

  /** What the P2P window and the holder requests met. */
  public enum Event {
    /** A P2P-window fetch whose tracker lookup named no holder. */
    AHEAD_NO_HOLDERS,
    /** A P2P-window fetch whose holders were tried and none delivered. */
    AHEAD_FAILED,
    /** A P2P-window fetch cancelled because the edges answered the waiting player first. */
    AHEAD_CANCELLED,
    /** A fetch through the full pipeline sent to the edges: the tracker knew no holder. */
    EDGES_NO_HOLDERS,
    /** A fetch through the full pipeline sent to the edges: its holders did not deliver in time. */
    EDGES_HOLDERS_FAILED,
    /**
     * A steady-play next segment no peer held that another peer was fetching from an edge: its copy was
     * waited for (it then came from a holder, or went to the edges as {@link #EDGES_NO_HOLDERS}).
     */
    CLAIM_WAITED,
    /**
     * A steady-play next segment whose holders answered 503: the fetch waited until the first of them
     * accepts again ({@code Retry-After}) and asked again (it then came from a holder, or went to the edges).
     */
    BUSY_WAITED,
    /** A holder request that timed out ({@code PEER_TIMEOUT_MS}). */
    HOLDER_TIMEOUT,
    /** A holder that answered 503 (upload slots busy). */
    HOLDER_BUSY,
    /** A holder refused, reset or answered another error. */
    HOLDER_OTHER,
    /** A P2P-window round not started: the player's segment was a miss (start-up burst). */
    WINDOW_AFTER_MISS,
    /** A P2P-window segment not started: a player of this peer waited. */
    WINDOW_PLAYER_WAITING,
    /** A P2P-window segment not started: the read-ahead transfers from holders were all busy. */
    WINDOW_FULL,
    /** A P2P-window segment passed over: the tracker knew no holder of it. */
    WINDOW_NO_HOLDERS,
    /** A hedge that took over a holder's transfer and got only the rest from an edge ({@link EdgeResume}). */
    HEDGE_RESUMED,
    /** A hedge that took over a holder's transfer but could not complete it at an edge: the whole segment followed. */
    HEDGE_RESUME_FAILED,
    /** A hedge that fetched the whole segment from the edges (no transfer to take over, or a resume failed). */
    HEDGE_WHOLE,
    /** A segment completed in chunks from several sources ({@code ChunkedDownload}). */
    CHUNKED,
    /** Chunks those segments have: what one request per chunk would have asked. */
    CHUNKS_NEEDED,
    /**
     * Chunk requests those downloads sent, end-game duplicates and requests to a source that then
     * failed included: the excess over {@link #CHUNKS_NEEDED} is work the holders did for nothing.
     */
    CHUNK_REQUESTS
  }

  private final Map<Purpose, Map<Tier, LongAdder>> segments = new EnumMap<>(Purpose.class);
  private final Map<Purpose, Map<Tier, LongAdder>> bytes = new EnumMap<>(Purpose.class);
  private final Map<Event, LongAdder> events = new EnumMap<>(Event.class);

  public FetchLedger() {
    for (Purpose p : Purpose.values()) {
      segments.put(p, adders());
      bytes.put(p, adders());
    }
    for (Event e : Event.values()) {
      events.put(e, new LongAdder());
    }
  }

  private static Map<Tier, LongAdder> adders() {
    Map<Tier, LongAdder> m = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      m.put(t, new LongAdder());
    }
    return m;
  }

  /** A fetch started for {@code purpose} delivered {@code byteCount} bytes from {@code tier}. */
  public void fetched(Purpose purpose, Tier tier, long byteCount) {
    segments.get(purpose).get(tier).increment();
    bytes.get(purpose).get(tier).add(byteCount);
  }

  public void count(Event event) {
    events.get(event).increment();
  }

  /** {@code event} happened {@code times} more times. */
  public void add(Event event, long times) {
    events.get(event).add(times);
  }

  /** Times {@code event} happened. */
  public long total(Event e) {
    return events.get(e).sum();
  }

  /**
   * The counts by name: {@code segments.<purpose>.<tier>} and {@code bytes.<purpose>.<tier>} (lower
   * case, zero entries left out), {@code <event>} for each event (lower case).
   */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Purpose p : Purpose.values()) {
      for (Tier t : Tier.values()) {
        long n = segments.get(p).get(t).sum();
        if (n > 0) {
          String key = p.name().toLowerCase(Locale.ROOT) + "." + t.name().toLowerCase(Locale.ROOT);
          out.put("segments." + key, n);
          out.put("bytes." + key, bytes.get(p).get(t).sum());
        }
      }
    }
    for (Event e : Event.values()) {
      out.put(e.name().toLowerCase(Locale.ROOT), events.get(e).sum());
    }
    return out;
  }
}
