package dev.hybridcdn.servicekit.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TmpfsFilesTest {
  private static final Path SHM = Path.of("/dev/shm");

  @BeforeEach
  void needsTmpfs() {
    assumeTrue(Files.isDirectory(SHM) && TmpfsFiles.isTmpfs(SHM), "/dev/shm is a tmpfs on Linux");
  }

  @Test
  void aFileStaysOpenAndReadableUntilItsLastHolderLetsItGo() throws IOException {
    byte[] data = new byte[200_000];
    new Random(7).nextBytes(data);
    try (TmpfsFiles files = TmpfsFiles.open(SHM, "test")) {
      TmpfsFiles.SharedFile file = files.write(Buffer.buffer(data));
      assertThat(file.path().getParent()).isEqualTo(files.directory());
      assertThat(Files.readAllBytes(file.path())).isEqualTo(data);
      assertThat(file.size()).isEqualTo(200_000);
      assertThat(files.bytesHeld()).isEqualTo(200_000);

      assertThat(file.retain()).as("an answer takes a reference").isTrue();
      file.release(); // the owner (a cache entry evicted) lets go
      assertThat(file.path()).as("still sent by the answer").exists();
      ByteBuffer head = ByteBuffer.allocate(16);
      file.channel().read(head, 0);
      assertThat(head.array()).isEqualTo(java.util.Arrays.copyOf(data, 16));

      file.release(); // the answer is through
      assertThat(file.path()).doesNotExist();
      assertThat(file.channel().isOpen()).isFalse();
      assertThat(files.bytesHeld()).isZero();
      assertThat(file.retain()).as("gone: nobody may take it up again").isFalse();
      assertThatThrownBy(file::release).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void closeDeletesTheStoreAndAnyLaterWriteIsRefused() {
    TmpfsFiles files = TmpfsFiles.open(SHM, "test");
    TmpfsFiles.SharedFile file = files.write(Buffer.buffer("abc"));
    files.close();
    assertThat(file.path()).doesNotExist();
    assertThat(file.channel().isOpen()).as("held: open until released").isTrue();
    file.release();
    assertThat(file.channel().isOpen()).isFalse();
    assertThat(files.directory()).doesNotExist();
    assertThat(files.write(Buffer.buffer("def"))).as("closed: the caller keeps the bytes itself").isNull();
  }

  @Test
  void aStoreLeftByAProcessThatIsGoneIsDeletedWhenTheNextOpens() throws IOException {
    // A pid far above any kernel's pid_max (2^22) belongs to no process.
    Path stale = Files.createDirectories(SHM.resolve("test-99999999-1"));
    Files.write(stale.resolve("1.bin"), new byte[10]);
    Path notOurs = Files.createDirectories(SHM.resolve("other-99999999-1"));
    Files.write(notOurs.resolve("notes.txt"), new byte[1]);
    try (TmpfsFiles files = TmpfsFiles.open(SHM, "test")) {
      assertThat(stale).doesNotExist();
      assertThat(notOurs).as("a directory holding other files is left alone").exists();
      assertThat(files.directory()).exists();
    } finally {
      Files.deleteIfExists(notOurs.resolve("notes.txt"));
      Files.deleteIfExists(notOurs);
    }
  }

  @Test
  void refusesADirectoryNotOnTmpfsAndAnOwnerThatIsNotAPlainName() throws IOException {
    Path disk = Path.of(System.getProperty("java.io.tmpdir"));
    assumeTrue(!TmpfsFiles.isTmpfs(disk), "java.io.tmpdir is on a disk here");
    assertThatThrownBy(() -> TmpfsFiles.open(disk, "test")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not on a memory-backed file system");
    assertThatThrownBy(() -> TmpfsFiles.open(SHM, "../x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plain name");
  }
}
