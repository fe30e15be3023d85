package dev.hybridcdn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
  @Test
  void closedOpenAndSuffixRanges() {
    assertThat(ByteRange.parse("bytes=0-99", 1000)).isEqualTo(new ByteRange.Partial(new ByteRange(0, 99)));
    assertThat(ByteRange.parse("bytes=900-", 1000)).isEqualTo(new ByteRange.Partial(new ByteRange(900, 999)));
    assertThat(ByteRange.parse("bytes=-100", 1000)).isEqualTo(new ByteRange.Partial(new ByteRange(900, 999)));
    assertThat(ByteRange.parse("bytes=-5000", 1000)).isEqualTo(new ByteRange.Partial(new ByteRange(0, 999)));
    assertThat(ByteRange.parse("bytes=990-5000", 1000)).isEqualTo(new ByteRange.Partial(new ByteRange(990, 999)));
    assertThat(new ByteRange(10, 19).length()).isEqualTo(10);
  }

  @Test
  void outsideTheBodyIsUnsatisfiable() {
    assertThat(ByteRange.parse("bytes=1000-", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
    assertThat(ByteRange.parse("bytes=-0", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
  }

  @Test
  void anythingElseIsTheWholeBody() {
    assertThat(ByteRange.parse(null, 1000)).isInstanceOf(ByteRange.Full.class);
    assertThat(ByteRange.parse("items=0-1", 1000)).isInstanceOf(ByteRange.Full.class);
    assertThat(ByteRange.parse("bytes=0-1,5-6", 1000)).isInstanceOf(ByteRange.Full.class);
    assertThat(ByteRange.parse("bytes=5-2", 1000)).isInstanceOf(ByteRange.Full.class);
    assertThat(ByteRange.parse("bytes=a-b", 1000)).isInstanceOf(ByteRange.Full.class);
    assertThat(ByteRange.parse("bytes=-", 1000)).isInstanceOf(ByteRange.Full.class);
  }
}
