package dev.hybridcdn.servicekit.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads environment variables once, at start, into typed values. A bad value throws
 * {@link ConfigException} naming the variable, so {@code main} can stop with that message.
 *
 * <p>Services build their own config record from it, e.g. {@code OriginConfig.from(Env.system())}.
 */
public final class Env {
  private final Map<String, String> vars;

  public Env(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  /** The process environment. */
  public static Env system() {
    return new Env(System.getenv());
  }

  /** Raw value, or null when unset or blank. */
  public String raw(String name) {
    String v = vars.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  public String string(String name, String defaultValue) {
    String v = raw(name);
    return v == null ? defaultValue : v;
  }

  /** A string that must match {@code valid}, described by {@code what} in the error. */
  public String string(String name, String defaultValue, Predicate<String> valid, String what) {
    String v = string(name, defaultValue);
    if (v == null || !valid.test(v)) {
      throw new ConfigException(name, v, what);
    }
    return v;
  }

  public int integer(String name, int defaultValue, int min, int max) {
    return (int) longValue(name, defaultValue, min, max);
  }

  public long longValue(String name, long defaultValue, long min, long max) {
    String v = raw(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      long l = Long.parseLong(v);
      if (l < min || l > max) {
        throw new ConfigException(name, v, "an integer from " + min + " to " + max);
      }
      return l;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, v, "an integer from " + min + " to " + max);
    }
  }

  public double decimal(String name, double defaultValue, double min, double max) {
    String v = raw(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) {
        throw new ConfigException(name, v, "a number from " + min + " to " + max);
      }
      return d;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, v, "a number from " + min + " to " + max);
    }
  }

  public boolean bool(String name, boolean defaultValue) {
    String v = raw(name);
    if (v == null) {
      return defaultValue;
    }
    return switch (v.toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new ConfigException(name, v, "true or false");
    };
  }

  /** A duration in milliseconds, e.g. {@code EDGE_TIMEOUT_MS=2000}. */
  public Duration millis(String name, Duration defaultValue, Duration min, Duration max) {
    long ms = longValue(name, defaultValue.toMillis(), min.toMillis(), max.toMillis());
    return Duration.ofMillis(ms);
  }

  /** A TCP port, 1 to 65535 (0 allowed when {@code allowAny}: pick a free one). */
  public int port(String name, int defaultValue) {
    return integer(name, defaultValue, 0, 65535);
  }

  /** An absolute http(s) URL without a trailing slash. */
  public String httpUrl(String name, String defaultValue) {
    String v = string(name, defaultValue);
    if (v == null) {
      throw new ConfigException(name, null, "an http:// or https:// URL");
    }
    checkUrl(name, v);
    return stripSlash(v);
  }

  /** A comma-separated list of http(s) URLs, e.g. {@code EDGE_URLS}. */
  public List<String> httpUrls(String name, String defaultValue) {
    String v = string(name, defaultValue);
    List<String> urls = new ArrayList<>();
    if (v != null) {
      for (String part : v.split(",")) {
        if (!part.isBlank()) {
          checkUrl(name, part.strip());
          urls.add(stripSlash(part.strip()));
        }
      }
    }
    return urls;
  }

  private static void checkUrl(String name, String v) {
    try {
      URI uri = new URI(v);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new ConfigException(name, v, "an http:// or https:// URL");
      }
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException(name, v, "an http:// or https:// URL");
    }
  }

  private static String stripSlash(String v) {
    return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
  }
}
