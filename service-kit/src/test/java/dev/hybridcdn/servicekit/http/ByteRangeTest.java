package dev.hybridcdn.servicekit.http;

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
    assertThat(new ByteRange(10, 19).contentRange(1000)).isEqualTo("bytes 10-19/1000");
    assertThat(new ByteRange(10, 19).length()).isEqualTo(10);
  }

  @Test
  void rangesPastTheEndAreUnsatisfiable() {
    assertThat(ByteRange.parse("bytes=1000-", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
    assertThat(ByteRange.parse("bytes=-0", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
  }

  @Test
  void absentMalformedOrMultipleRangesMeanTheWholeBody() {
    for (String h : new String[] {null, "", "items=0-1", "bytes=a-b", "bytes=5-1", "bytes=0-1,5-6", "bytes=-",
        "bytes=99999999999999999999-"}) {
      assertThat(ByteRange.parse(h, 1000)).as(String.valueOf(h)).isInstanceOf(ByteRange.Full.class);
    }
  }
}
