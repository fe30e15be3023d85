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
import java.util.concurrent.atomic.AtomicInteger;
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
 * opens, so a crash leaks the memory only until the next start. Each file stays open for reading
 * ({@link SharedFile}: answers send from the open channel, with no open, {@code fstat} and close per
 * answer, which a profile of the edge put at 14% of its event loops' time) and is closed and deleted
 * when its last holder lets it go.
 */
public final class TmpfsFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TmpfsFiles.class);
  private static final AtomicLong STORES = new AtomicLong();

  private final Path dir;
  private final AtomicLong next = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private volatile boolean closed;

  private TmpfsFiles(Path dir) {
    this.dir = dir;
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
    return new TmpfsFiles(dir);
  }

  /** Linux's shared-memory tmpfs, where it exists. */
  public static final Path SHM = Path.of("/dev/shm");

  /** True when {@code path} is a directory on tmpfs: where a store may open. */
  public static boolean isTmpfsDirectory(Path path) {
    return Files.isDirectory(path) && isTmpfs(path);
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
   * Writes {@code data} to a new file of the store, kept open for reading.
   *
   * @return the file, with one reference held by the caller ({@link SharedFile#release} when done with
   *     it); null when it could not be written (the file system is full or gone, or the store closed:
   *     the caller keeps the bytes another way); a partial file is removed
   */
  public SharedFile write(Buffer data) {
    if (closed) {
      return null;
    }
    Path file = dir.resolve(next.incrementAndGet() + ".bin");
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
          StandardOpenOption.READ);
      ByteBuffer src = data instanceof BufferInternal b ? b.getByteBuf().nioBuffer() : ByteBuffer.wrap(data.getBytes());
      long position = 0;
      while (src.hasRemaining()) {
        position += channel.write(src, position);
      }
      bytes.addAndGet(data.length());
      return new SharedFile(file, channel, data.length());
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not write {} bytes to {}: {}; kept in memory instead", data.length(), file, e.toString());
      closeQuietly(channel);
      deleteQuietly(file);
      return null;
    }
  }

  /**
   * One file of the store, open for reading, shared by its owner (a cache entry) and the answers
   * sending it: each takes a reference ({@link #retain}) and gives it back ({@link #release}); the last
   * closes the channel and deletes the file. Sends read it by position ({@code FileChannel.transferTo}),
   * so any number may share the channel.
   */
  public final class SharedFile {
    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final AtomicInteger refs = new AtomicInteger(1);

    private SharedFile(Path path, FileChannel channel, long size) {
      this.path = path;
      this.channel = channel;
      this.size = size;
    }

    public Path path() {
      return path;
    }

    /** Open for reading while a reference is held; not to be closed by its users. */
    public FileChannel channel() {
      return channel;
    }

    /** Length, bytes. */
    public long size() {
      return size;
    }

    /**
     * Takes a reference.
     *
     * @return false when the last reference is already gone (closed and deleted): the caller must not use it
     */
    public boolean retain() {
      for (int r = refs.get(); r > 0; r = refs.get()) {
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
      return false;
    }

    /** Gives a reference back; the last one closes the channel and deletes the file. */
    public void release() {
      int left = refs.decrementAndGet();
      if (left == 0) {
        closeQuietly(channel);
        deleteQuietly(path); // gone already when the store closed
        bytes.addAndGet(-size);
      } else if (left < 0) {
        throw new IllegalStateException(path + " released more often than retained");
      }
    }
  }

  /** Bytes in the store's files now (a file until its last holder lets it go). */
  public long bytesHeld() {
    return bytes.get();
  }

  /** The store's directory. */
  public Path directory() {
    return dir;
  }

  /**
   * Deletes the store's directory and every file in it; a file still held stays open (and readable)
   * until its last holder lets it go.
   */
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

  private static void closeQuietly(FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        LOG.debug("could not close a file: {}", e.toString());
      }
    }
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
