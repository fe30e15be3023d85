package dev.hybridcdn.servicekit.files;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes kept as files on a memory-backed file system (tmpfs, e.g. {@code /dev/shm}), so an answer
 * can hand them to the socket with {@code sendfile(2)} ({@code HttpServerResponse.sendFile}): the
 * kernel moves them from its page cache, with no copy through the JVM, as nginx serves a static file
 * (issue 19 item 1: measured on this machine with wrk, a 160 KB answer from a JVM buffer 18-29k
 * requests/s, by sendfile 31-37k, nginx 40-41k; ops README). The memory is the page cache's, outside
 * the heap and the process's RSS (it shows as {@code Shmem} in {@code /proc/meminfo}).
 *
 * <p>Each store is a directory of its own under the configured one ({@code <owner>-<pid>-<n>}),
 * deleted on {@link #close()}; directories of processes no longer alive are deleted when a store
 * opens, so a crash leaks the memory only until the next start. A file is deleted {@value
 * #DELETE_GRACE_MS} ms after {@link #release} (an answer that looked it up just before may still be
 * opening it; once open, deleting it does not disturb the transfer).
 */
public final class TmpfsFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TmpfsFiles.class);
  /** How long a released file stays, ms: far longer than a lookup takes to open it. */
  static final long DELETE_GRACE_MS = 5_000;
  private static final AtomicLong STORES = new AtomicLong();

  private final Path dir;
  private final long graceMs;
  private final AtomicLong next = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private volatile boolean closed;

  private TmpfsFiles(Path dir, long graceMs) {
    this.dir = dir;
    this.graceMs = graceMs;
  }

  /**
   * Opens a store under {@code parent}.
   *
   * @param parent an existing directory on a tmpfs file system
   * @param owner names the store's directory, e.g. the edge's id ({@code [A-Za-z0-9._-]+})
   * @throws IllegalArgumentException when {@code parent} is not a directory or not on tmpfs (a disk
   *     would put a write on every miss and a read on every answer of the hot path), or {@code owner}
   *     is not a plain name
   * @throws UncheckedIOException when the directory cannot be made
   */
  public static TmpfsFiles open(Path parent, String owner) {
    return open(parent, owner, DELETE_GRACE_MS);
  }

  /** {@link #open(Path, String)} with released files deleted after {@code graceMs} (tests). */
  static TmpfsFiles open(Path parent, String owner, long graceMs) {
    if (!owner.matches("[A-Za-z0-9._-]{1,100}")) {
      throw new IllegalArgumentException("a store's owner must be a plain name, got: " + owner);
    }
    if (!Files.isDirectory(parent)) {
      throw new IllegalArgumentException(parent + " is not a directory");
    }
    if (!isTmpfs(parent)) {
      throw new IllegalArgumentException(parent + " is not on a memory-backed file system (tmpfs)");
    }
    deleteStale(parent);
    long pid = ProcessHandle.current().pid();
    Path dir = parent.resolve(owner + "-" + pid + "-" + STORES.incrementAndGet());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + dir, e);
    }
    return new TmpfsFiles(dir, graceMs);
  }

  /** True when {@code path}'s file system is tmpfs. */
  public static boolean isTmpfs(Path path) {
    try {
      return "tmpfs".equals(Files.getFileStore(path).type());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Writes {@code data} to a new file of the store.
   *
   * @return the file, or null when it could not be written (the file system is full or gone; the
   *     caller keeps the bytes another way); the partial file is removed
   */
  public Path write(Buffer data) {
    if (closed) {
      return null;
    }
    Path file = dir.resolve(next.incrementAndGet() + ".bin");
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer src = data instanceof BufferInternal b ? b.getByteBuf().nioBuffer() : ByteBuffer.wrap(data.getBytes());
      while (src.hasRemaining()) {
        out.write(src);
      }
      bytes.addAndGet(data.length());
      return file;
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not write {} bytes to {}: {}; kept in memory instead", data.length(), file, e.toString());
      deleteQuietly(file);
      return null;
    }
  }

  /**
   * The store no longer needs {@code file} (of {@code length} bytes): deleted after {@value #DELETE_GRACE_MS} ms.
   */
  public void release(Path file, long length) {
    CompletableFuture.runAsync(() -> {
      if (deleteQuietly(file)) {
        bytes.addAndGet(-length);
      }
    }, CompletableFuture.delayedExecutor(graceMs, TimeUnit.MILLISECONDS));
  }

  /** Bytes in the store's files now (released ones until they are deleted). */
  public long bytesHeld() {
    return bytes.get();
  }

  /** The store's directory. */
  public Path directory() {
    return dir;
  }

  /** Deletes the store's directory and every file in it; an answer still sending a file finishes. */
  @Override
  public void close() {
    closed = true;
    deleteTree(dir);
  }

  private static void deleteStale(Path parent) {
    try (Stream<Path> stores = Files.list(parent)) {
      stores.filter(Files::isDirectory).forEach(d -> {
        String[] parts = d.getFileName().toString().split("-");
        if (parts.length < 3) {
          return;
        }
        try {
          long pid = Long.parseLong(parts[parts.length - 2]);
          if (ProcessHandle.of(pid).isEmpty() && looksLikeStore(d)) {
            LOG.info("deleting {}: left by process {}, which is gone", d, pid);
            deleteTree(d);
          }
        } catch (NumberFormatException e) {
          // not a store's directory
        }
      });
    } catch (IOException e) {
      LOG.debug("could not list {}: {}", parent, e.toString());
    }
  }

  /** Only files named {@code <n>.bin}: never delete another program's directory that happens to match. */
  private static boolean looksLikeStore(Path d) {
    try (Stream<Path> files = Files.list(d)) {
      return files.allMatch(f -> f.getFileName().toString().matches("[0-9]+\\.bin"));
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteTree(Path d) {
    try (Stream<Path> files = Files.list(d)) {
      files.forEach(TmpfsFiles::deleteQuietly);
    } catch (IOException e) {
      // gone already
    }
    deleteQuietly(d);
  }

  private static boolean deleteQuietly(Path p) {
    try {
      return Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", p, e.toString());
      return false;
    }
  }
}
