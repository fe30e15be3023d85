package dev.hybridcdn.ops.bench;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code cdn bench}: finds the benchmark runners of every module on the class path (classes in a
 * package {@code dev.hybridcdn.<module>.bench} with a {@code public static void main(String[])})
 * and runs one by its simple or full name.
 */
public final class BenchRunner {
  private static final Pattern BENCH_CLASS = Pattern.compile("dev/hybridcdn/[a-z]+/bench/[A-Za-z0-9]+\\.class");

  private BenchRunner() {}

  /** Full names of the benchmark classes with a main method, sorted. */
  public static List<String> list() {
    TreeSet<String> names = new TreeSet<>();
    for (Path entry : classPath()) {
      try {
        if (Files.isDirectory(entry)) {
          try (Stream<Path> files = Files.walk(entry)) {
            files.map(f -> entry.relativize(f).toString().replace(File.separatorChar, '/'))
                .filter(n -> BENCH_CLASS.matcher(n).matches()).forEach(n -> names.add(className(n)));
          }
        } else if (Files.isRegularFile(entry) && entry.toString().endsWith(".jar")) {
          try (JarFile jar = new JarFile(entry.toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
              String n = entries.nextElement().getName();
              if (BENCH_CLASS.matcher(n).matches()) {
                names.add(className(n));
              }
            }
          }
        }
      } catch (IOException e) {
        // an unreadable class path entry has no benchmark for us
      }
    }
    return names.stream().filter(BenchRunner::hasMain).toList();
  }

  /**
   * Runs a benchmark's main method in this JVM.
   *
   * @param name simple name ({@code AnalysisBench}) or full name
   * @throws IllegalArgumentException when no benchmark has that name
   */
  public static void run(String name, String[] args) throws Exception {
    String match = null;
    for (String n : list()) {
      if (n.equals(name) || n.substring(n.lastIndexOf('.') + 1).equals(name)) {
        match = n;
      }
    }
    if (match == null) {
      throw new IllegalArgumentException("no benchmark named " + name + "; available: " + list());
    }
    Method main = Class.forName(match).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  private static boolean hasMain(String className) {
    try {
      Method m = Class.forName(className, false, BenchRunner.class.getClassLoader()).getMethod("main", String[].class);
      return Modifier.isStatic(m.getModifiers()) && Modifier.isPublic(m.getModifiers());
    } catch (ReflectiveOperationException | LinkageError e) {
      return false;
    }
  }

  private static String className(String entry) {
    return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
  }

  /** {@code java.class.path} plus the {@code Class-Path} of each jar's manifest (for {@code java -jar}). */
  static List<Path> classPath() {
    List<Path> out = new ArrayList<>();
    for (String p : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (p.isBlank()) {
        continue;
      }
      Path path = Path.of(p).toAbsolutePath();
      out.add(path);
      if (p.endsWith(".jar") && Files.isRegularFile(path)) {
        try (JarFile jar = new JarFile(path.toFile())) {
          Manifest mf = jar.getManifest();
          String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
          if (cp != null) {
            for (String rel : cp.trim().split("\\s+")) {
              out.add(path.getParent().resolve(rel).normalize());
            }
          }
        } catch (IOException e) {
          // not a readable jar
        }
      }
    }
    return out;
  }
}
