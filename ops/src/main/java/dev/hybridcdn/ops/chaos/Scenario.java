package dev.hybridcdn.ops.chaos;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The fault scenarios of {@code cdn chaos} (issue 12, item 9), in the order they run. Each kills,
 * stops or pauses real OS processes of a {@code cdn up --processes} stack while players play,
 * then puts right what it broke before the next one; the recovery time is measured from that
 * moment.
 */
public enum Scenario {
  /** The peer most players are attached to, {@code kill -9}; restarted after 10 s. Recovery: until the tracker lists it again. */
  PEER_KILL("peer-kill", "1 peer killed (kill -9)"),
  /** 10% of the peers (at least one), any of them, {@code kill -9}; restarted after 10 s. */
  PEERS_10("peers-10pct", "10% of peers killed"),
  /** Half the peers, any of them, {@code kill -9}; restarted after 10 s. */
  PEERS_50("peers-50pct", "50% of peers killed"),
  /** The edge that answered most requests ({@code cdn_edge_requests_total}), {@code kill -9}; restarted after 10 s. Recovery: /health. */
  EDGE_KILL("edge-kill", "busiest edge killed"),
  /** The origin stopped (SIGTERM) for 20 s, then started again. Recovery: /health. */
  ORIGIN_STOP("origin-stop", "origin stopped 20 s"),
  /** The first tracker instance (the one peers ask first), {@code kill -9}; restarted after 15 s. Needs 2 trackers. Recovery: /health (Streams RUNNING). */
  TRACKER_KILL("tracker-kill", "tracker instance killed"),
  /** The Kafka broker {@code kill -9}, restarted on the same port and data after 30 s. Recovery: until every live peer is listed by the tracker. */
  KAFKA_OUTAGE("kafka-outage", "Kafka broker down 30 s"),
  /** A peer players use, SIGSTOP for 25 s, then SIGCONT. Recovery: readmission, until {@code GET /peers/{id}} answers 200. */
  PEER_PAUSE("peer-pause", "peer paused 25 s"),
  /** The most played song re-ingested mid-play from another track. Recovery: until an edge serves the new manifest. */
  REINGEST("reingest", "song re-ingested mid-play");

  private final String id;
  private final String title;

  Scenario(String id, String title) {
    this.id = id;
    this.title = title;
  }

  /** The name on the command line and in the table. */
  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  /**
   * The scenario named {@code id}.
   *
   * @throws IllegalArgumentException listing the names when there is none
   */
  public static Scenario of(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("--scenario: no scenario '" + id + "'; one of "
            + Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", "))));
  }
}
