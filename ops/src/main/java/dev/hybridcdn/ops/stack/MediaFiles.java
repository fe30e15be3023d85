package dev.hybridcdn.ops.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** The audio files a stack ingests, and the song id and title each file name gives. */
public final class MediaFiles {
  private MediaFiles() {}

  /** The tracks shipped in {@code dir} ({@code *.mp3}), sorted by name. */
  public static List<Path> list(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mp3")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /**
   * The {@code n} smallest of {@code files}, smallest first (short tracks make quick runs); a file
   * that cannot be sized counts as the largest.
   */
  public static List<Path> smallest(List<Path> files, int n) {
    return files.stream().sorted(java.util.Comparator.comparingLong(MediaFiles::size)).limit(n).toList();
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Song id of a file: its name without extension, lower case, {@code _} as {@code -}, e.g.
   * {@code manolo_camp-morning_coffee.mp3 -> manolo-camp-morning-coffee}.
   */
  public static String songId(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String id = (dot > 0 ? name.substring(0, dot) : name).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    return id.length() > 64 ? id.substring(0, 64) : id;
  }

  /**
   * Title of a file named {@code artist-title.ext}: the part after the first {@code -}, with
   * {@code _} as spaces and words capitalised ({@code manolo_camp-morning_coffee.mp3 -> Morning Coffee}).
   */
  static String title(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String t = dot > 0 ? name.substring(0, dot) : name;
    int sep = t.indexOf('-');
    t = (sep > 0 && sep < t.length() - 1 ? t.substring(sep + 1) : t).replace('_', ' ');
    StringBuilder out = new StringBuilder();
    for (String w : t.split(" ")) {
      if (!w.isEmpty()) {
        out.append(out.length() == 0 ? "" : " ").append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
      }
    }
    return out.toString();
  }
}
