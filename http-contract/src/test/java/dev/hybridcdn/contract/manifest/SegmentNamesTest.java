package dev.hybridcdn.contract.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.Ids;
import org.junit.jupiter.api.Test;

class SegmentNamesTest {
  static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  @Test
  void aNameCarriesTheIndexAndTheFirst16HexOfTheHashAndIsAValidSegmentId() {
    String file = SegmentNames.file(3, SHA.toUpperCase());
    assertThat(file).isEqualTo("seg00003-9f86d081884c7d65.ts");
    assertThat(Ids.SegmentId.parse("demo/128k/" + file)).isPresent();
    assertThat(SegmentNames.hashPrefix("demo/128k/" + file)).contains("9f86d081884c7d65");
    assertThat(SegmentNames.index("demo/128k/" + file)).isEqualTo(3);
    assertThat(SegmentNames.index("demo/128k/seg00003.ts")).isEqualTo(-1);
  }

  @Test
  void identicalBytesKeepTheirNameOtherBytesGetAnother() {
    assertThat(SegmentNames.file(0, SHA)).isEqualTo(SegmentNames.file(0, SHA));
    assertThat(SegmentNames.file(0, "0" + SHA.substring(1))).isNotEqualTo(SegmentNames.file(0, SHA));
  }

  @Test
  void namesIsTrueOnlyForTheHashTheNameCarries() {
    String id = "demo/64k/" + SegmentNames.file(12, SHA);
    assertThat(SegmentNames.names(id, SHA)).isTrue();
    assertThat(SegmentNames.names(id, "a".repeat(64))).isFalse();
    assertThat(SegmentNames.names(id, null)).isFalse();
    assertThat(SegmentNames.names("demo/64k/seg00012.ts", SHA)).isFalse();
    assertThat(SegmentNames.hashPrefix("demo/64k/seg00012.ts")).isEmpty();
  }

  @Test
  void rejectsWhatIsNotAHashOrAnIndex() {
    assertThatThrownBy(() -> SegmentNames.file(-1, SHA)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SegmentNames.file(0, "abc")).isInstanceOf(IllegalArgumentException.class);
  }
}
