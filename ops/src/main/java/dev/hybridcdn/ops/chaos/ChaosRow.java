package dev.hybridcdn.ops.chaos;

/**
 * One line of the {@code cdn chaos} table: what the players and the event history saw while one
 * fault scenario ran.
 *
 * @param scenario the scenario's name ({@link Scenario#id()})
 * @param requests player requests with a final outcome (master playlists, media playlists, segments;
 *     a request made again on another pathway counts once)
 * @param failed requests that failed on every pathway the player had
 * @param failed503 of {@code failed}, those answered 503 (e.g. a segment no cache holds while the
 *     origin is down)
 * @param failovers requests made again on another pathway or peer (not failures)
 * @param stallSeconds time players ran dry, summed over players, wall-clock s (Swarm.Result#stallMillis)
 * @param segments segments the players were answered
 * @param eventsLost segments answered minus {@code SegmentDelivered} events found on
 *     {@code delivery-events} for the scenario's period (read back with the replay's reader); -1
 *     when the history could not be read
 * @param recoverySeconds from putting right what the scenario broke (restart, SIGCONT, the re-ingest
 *     done) until it serves again (see {@link Scenario}); -1 when it did not within the bound
 * @param note what else was measured (victims, expiries, stale segments, 503s) or why it was skipped
 */
public record ChaosRow(String scenario, long requests, long failed, long failed503, long failovers,
    double stallSeconds, long segments, long eventsLost, double recoverySeconds, String note) {

  /** A scenario that could not run on this stack. */
  static ChaosRow skipped(Scenario s, String why) {
    return new ChaosRow(s.id(), 0, 0, 0, 0, 0, 0, 0, -1, "skipped: " + why);
  }
}
