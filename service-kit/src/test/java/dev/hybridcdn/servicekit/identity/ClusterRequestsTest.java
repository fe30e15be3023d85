package dev.hybridcdn.servicekit.identity;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ClusterRequestsTest {
  private static final long NOW = 1_800_000_000_000L;
  private final ClusterRequests cluster = of(TrustSettings.newSecret());

  private static ClusterRequests of(String secret) {
    return ClusterRequests.of(TrustSettings.require(Base64.getDecoder().decode(secret)));
  }

  @Test
  void aSignedRequestPassesWithinTheWindow() {
    String h = cluster.sign("GET", "/internal/local/content?song=demo", NOW);
    assertNull(cluster.refusal("GET", "/internal/local/content?song=demo", h, NOW));
    assertNull(cluster.refusal("GET", "/internal/local/content?song=demo", h, NOW + ClusterRequests.WINDOW_MS));
    assertNull(cluster.refusal("GET", "/internal/local/content?song=demo", h, NOW - ClusterRequests.WINDOW_MS));
  }

  @Test
  void anythingElseIsRefusedWithAReason() {
    String h = cluster.sign("GET", "/internal/local/content?song=demo", NOW);
    assertTrue(cluster.refusal("GET", "/internal/local/content", null, NOW).startsWith("missing"));
    assertNotNull(cluster.refusal("GET", "/internal/local/content?song=other", h, NOW)); // another query
    assertNotNull(cluster.refusal("POST", "/internal/local/content?song=demo", h, NOW)); // another method
    assertTrue(cluster.refusal("GET", "/internal/local/content?song=demo", h, NOW + ClusterRequests.WINDOW_MS + 1)
        .contains("outside"));
    String edited = (NOW + 1) + h.substring(h.indexOf(':'));
    assertTrue(cluster.refusal("GET", "/internal/local/content?song=demo", edited, NOW).contains("does not match"));
    String foreign = of(TrustSettings.newSecret()).sign("GET", "/internal/local/content?song=demo", NOW);
    assertNotNull(cluster.refusal("GET", "/internal/local/content?song=demo", foreign, NOW));
    for (String bad : new String[] {"", "abc", "1:zz", "1:0", ":00"}) {
      assertNotNull(cluster.refusal("GET", "/x", bad, NOW), bad);
    }
  }

  @Test
  void offWithoutASecret() {
    assertNull(ClusterRequests.of(TrustSettings.off()));
  }
}
