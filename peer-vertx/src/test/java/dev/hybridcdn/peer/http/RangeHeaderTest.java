package dev.hybridcdn.peer.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RangeHeaderTest {
  @Test
  void singleRanges() {
    assertThat(RangeHeader.parse("bytes=0-99", 1000)).containsExactly(0, 99);
    assertThat(RangeHeader.parse("bytes=900-", 1000)).containsExactly(900, 999);
    assertThat(RangeHeader.parse("bytes=-100", 1000)).containsExactly(900, 999);
    assertThat(RangeHeader.parse("bytes=990-5000", 1000)).containsExactly(990, 999);
    assertThat(RangeHeader.length("bytes=0-99", 1000)).isEqualTo(100);
  }

  @Test
  void unsatisfiableAndIgnored() {
    assertThat(RangeHeader.parse("bytes=1000-", 1000)).isEmpty();
    assertThat(RangeHeader.parse("bytes=5-1", 1000)).isEmpty();
    assertThat(RangeHeader.length("bytes=1000-", 1000)).isEqualTo(-1);
    assertThat(RangeHeader.parse(null, 1000)).isNull();
    assertThat(RangeHeader.parse("bytes=0-1,5-6", 1000)).isNull();
    assertThat(RangeHeader.parse("items=0-1", 1000)).isNull();
    assertThat(RangeHeader.parse("bytes=x-1", 1000)).isNull();
    assertThat(RangeHeader.length(null, 1000)).isEqualTo(1000);
  }
}
