package dev.hybridcdn.peer.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinkTableTest {
  @Test
  void rttIsAnExponentialMovingAverageWithAlpha03() {
    Link l = new Link(Link.Kind.PEER, "p", "http://127.0.0.1:9000", null);
    assertThat(l.rttMs()).isNaN();
    assertThat(l.sample(10)).isEqualTo(10.0);
    assertThat(l.sample(20)).isCloseTo(0.3 * 20 + 0.7 * 10, within(1e-9)); // 13
    assertThat(l.sample(0)).isCloseTo(0.7 * 13, within(1e-9));
    assertThat(l.samples()).isEqualTo(3);
  }

  @Test
  void edgesByLowestRttThenUnmeasuredInConfigOrder() {
    LinkTable t = new LinkTable(List.of("http://a:8082", "http://b:8083", "http://c:8084"));
    assertThat(t.edgesByRtt()).extracting(Link::url).containsExactly("http://a:8082", "http://b:8083", "http://c:8084");
    t.edges().get(2).sample(1);
    t.edges().get(0).sample(5);
    assertThat(t.edgesByRtt()).extracting(Link::url).containsExactly("http://c:8084", "http://a:8082", "http://b:8083");
    assertThat(t.edges().get(1).id()).isEqualTo("edge-b-8083");
  }

  @Test
  void keepsTheMostRecentNeighboursAndTheirMeanRtt() {
    LinkTable t = new LinkTable(List.of("http://a:8082"));
    assertThat(t.meanNeighbourRttMs()).isNull();
    for (int i = 0; i < LinkTable.MAX_NEIGHBOURS + 3; i++) {
      t.neighbour("p" + i, "http://127.0.0.1:" + (9000 + i), "local");
    }
    assertThat(t.neighbours()).hasSize(LinkTable.MAX_NEIGHBOURS);
    assertThat(t.neighbours()).extracting(Link::id).doesNotContain("p0", "p1", "p2");
    t.neighbours().get(0).sample(2);
    t.neighbours().get(1).sample(4);
    assertThat(t.meanNeighbourRttMs()).isEqualTo(3.0);
  }
}
