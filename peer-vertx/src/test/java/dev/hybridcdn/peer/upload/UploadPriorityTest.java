package dev.hybridcdn.peer.upload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The {@code Priority} header (RFC 9218) a holder reads: what counts as background. */
class UploadPriorityTest {
  @Test
  void urgenciesAboveTheDefaultAreBackgroundAndWhatCannotBeParsedIsUrgent() {
    assertThat(UploadPriority.of(UploadPriority.BACKGROUND.header())).isEqualTo(UploadPriority.BACKGROUND);
    assertThat(UploadPriority.of("u=4")).isEqualTo(UploadPriority.BACKGROUND);
    assertThat(UploadPriority.of("i, u=7;x=1")).as("a dictionary with parameters").isEqualTo(UploadPriority.BACKGROUND);
    assertThat(UploadPriority.of("u=3")).as("RFC 9218's default").isEqualTo(UploadPriority.URGENT);
    assertThat(UploadPriority.of("u=0, i")).isEqualTo(UploadPriority.URGENT);
    assertThat(UploadPriority.of(null)).as("absent").isEqualTo(UploadPriority.URGENT);
    assertThat(UploadPriority.of("u=9")).as("out of range: ignored").isEqualTo(UploadPriority.URGENT);
    assertThat(UploadPriority.of("u=x, u=66")).as("malformed: ignored").isEqualTo(UploadPriority.URGENT);
    assertThat(UploadPriority.of("")).isEqualTo(UploadPriority.URGENT);
  }
}
