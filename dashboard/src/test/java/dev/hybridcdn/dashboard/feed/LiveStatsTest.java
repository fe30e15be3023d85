package dev.hybridcdn.dashboard.feed;

import static dev.hybridcdn.dashboard.feed.Events.delivered;
import static dev.hybridcdn.dashboard.feed.Events.edge;
import static dev.hybridcdn.dashboard.feed.Events.expired;
import static dev.hybridcdn.dashboard.feed.Events.heartbeat;
import static dev.hybridcdn.dashboard.feed.Events.joined;
import static dev.hybridcdn.dashboard.feed.Events.left;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hybridcdn.schemas.events.EdgeResult;
import dev.hybridcdn.schemas.events.Tier;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class LiveStatsTest {
  @Test
  void sharesFollowTheRootReadmesDefinitions() {
    LiveStats stats = new LiveStats(3, 1000);
    stats.record(delivered("p1", Tier.LOCAL, "p1", 600));
    stats.record(delivered("p1", Tier.PEER, "p2", 300));
    stats.record(delivered("p1", Tier.ORIGIN, "edge-1", 100));
    stats.record(edge("edge-1", EdgeResult.MISS, 100));
    stats.record(edge("edge-1", EdgeResult.HIT_MEMORY, 100));
    JsonObject t = stats.tick(1000);

    JsonObject shares = t.getJsonObject("shares").getJsonObject("total");
    assertThat(shares.getLong("bytes")).isEqualTo(1000);
    assertThat(shares.getDouble("p2pShare")).isCloseTo(0.3, within(1e-9));
    assertThat(shares.getDouble("cdnOffload")).as("1 - edge egress 200 / 1000").isCloseTo(0.8, within(1e-9));
    assertThat(shares.getDouble("originOffload")).as("1 - misses 100 / 1000").isCloseTo(0.9, within(1e-9));
    JsonObject tiers = t.getJsonObject("deliveries").getJsonObject("total");
    assertThat(tiers.getJsonObject("local")).isEqualTo(new JsonObject().put("count", 1L).put("bytes", 600L));
    assertThat(tiers.getJsonObject("edge")).isEqualTo(new JsonObject().put("count", 0L).put("bytes", 0L));
    JsonObject e = t.getJsonArray("edges").getJsonObject(0);
    assertThat(e.getString("edgeId")).isEqualTo("edge-1");
    assertThat(e.getDouble("hitRatio")).isEqualTo(0.5);
  }

  @Test
  void theWindowRollsWhileTheTotalKeepsEverything() {
    LiveStats stats = new LiveStats(2, 1000);
    stats.record(delivered("p1", Tier.PEER, "p2", 100));
    stats.tick(1000);
    stats.record(delivered("p1", Tier.EDGE, "edge-1", 100));
    JsonObject second = stats.tick(2000);
    assertThat(second.getJsonObject("shares").getJsonObject("window").getDouble("p2pShare")).isEqualTo(0.5);
    JsonObject third = stats.tick(3000);
    assertThat(third.getLong("windowMs")).isEqualTo(2000);
    assertThat(third.getJsonObject("shares").getJsonObject("window").getDouble("p2pShare"))
        .as("the PEER delivery left the 2-tick window").isEqualTo(0.0);
    JsonObject fourth = stats.tick(4000);
    assertThat(fourth.getJsonObject("shares").getJsonObject("window").getValue("p2pShare"))
        .as("nothing delivered in the window").isNull();
    assertThat(fourth.getJsonObject("shares").getJsonObject("total").getDouble("p2pShare")).isEqualTo(0.5);
  }

  @Test
  void churnCountsPerTickAndUploadersComeFromHeartbeatsOfLivePeers() {
    LiveStats stats = new LiveStats(10, 1000);
    for (int i = 0; i < 12; i++) {
      stats.record(joined("p" + i));
      stats.record(heartbeat("p" + i, 1000L * i));
    }
    stats.record(heartbeat("p3", 50_000));
    stats.record(left("p11"));
    stats.record(expired("p10"));
    JsonObject t = stats.tick(1000);
    assertThat(t.getJsonObject("churn").getJsonObject("tick"))
        .isEqualTo(new JsonObject().put("joins", 12L).put("leaves", 1L).put("expiries", 1L));
    JsonArray up = t.getJsonArray("uploaders");
    assertThat(up).hasSize(LiveStats.TOP_UPLOADERS);
    assertThat(up.getJsonObject(0)).isEqualTo(new JsonObject().put("peerId", "p3").put("uploadedBytes", 50_000L));
    assertThat(up.getJsonObject(1).getString("peerId")).as("p11 left, p10 expired").isEqualTo("p9");
    JsonObject next = stats.tick(2000);
    assertThat(next.getJsonObject("churn").getJsonObject("tick").getLong("joins")).isZero();
    assertThat(next.getJsonObject("churn").getJsonObject("total").getLong("joins")).isEqualTo(12);
  }

  @Test
  void deadLettersAndUndecodableRecordsAreCountedTheRecentOnesListedNewestFirst() {
    LiveStats stats = new LiveStats(10, 1000);
    for (int i = 0; i < LiveStats.RECENT_DEAD_LETTERS + 5; i++) {
      stats.deadLetter(new LiveStats.DeadLetter("cdn.peer-events", "cdn-tracker", "bad " + i, i));
    }
    stats.undecodable();
    stats.record("not an event the dashboard charts");
    JsonObject t = stats.tick(1000);
    JsonObject dl = t.getJsonObject("deadLetters");
    assertThat(dl.getLong("total")).isEqualTo(LiveStats.RECENT_DEAD_LETTERS + 5);
    assertThat(dl.getJsonArray("recent")).hasSize(LiveStats.RECENT_DEAD_LETTERS);
    assertThat(dl.getJsonArray("recent").getJsonObject(0).getString("error")).isEqualTo("bad 24");
    assertThat(t.getJsonObject("feed")).isEqualTo(new JsonObject().put("events", 1L).put("undecodable", 1L));
  }
}
