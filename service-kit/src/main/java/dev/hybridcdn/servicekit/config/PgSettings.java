package dev.hybridcdn.servicekit.config;

/**
 * PostgreSQL connection settings under libpq's variable names and defaults
 * (ARCHITECTURE.md, "Configuration"), read and validated in one place for every service.
 *
 * @param host {@code PGHOST}, default {@value #DEFAULT_HOST}: a host name, an IPv4 or bracketed IPv6
 *     address, or a Unix socket directory; {@code [A-Za-z0-9._:\[\]/-]}, up to 255 characters
 * @param port {@code PGPORT}, default {@value #DEFAULT_PORT}; 1 to 65535
 * @param database {@code PGDATABASE}, default {@value #DEFAULT_DATABASE}; {@code [A-Za-z0-9_$-]},
 *     up to 63 characters (PostgreSQL's identifier length)
 * @param user {@code PGUSER}, default {@value #DEFAULT_USER}; {@code [A-Za-z0-9_.@$-]}, up to 63
 * @param password {@code PGPASSWORD}, default empty (trust or peer authentication)
 */
public record PgSettings(String host, int port, String database, String user, String password) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5432;
  public static final String DEFAULT_DATABASE = "postgres";
  public static final String DEFAULT_USER = "postgres";

  /**
   * Reads {@code PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD}.
   *
   * @throws ConfigException naming the first variable with an invalid value
   */
  public static PgSettings from(Env env) {
    return new PgSettings(
        env.string("PGHOST", DEFAULT_HOST, s -> s.matches("[A-Za-z0-9._:\\[\\]/-]{1,255}"), "a host name or address"),
        env.integer("PGPORT", DEFAULT_PORT, 1, 65535),
        env.string("PGDATABASE", DEFAULT_DATABASE, s -> s.matches("[A-Za-z0-9_$-]{1,63}"),
            "a database name of [A-Za-z0-9_$-], up to 63 characters"),
        env.string("PGUSER", DEFAULT_USER, s -> s.matches("[A-Za-z0-9_.@$-]{1,63}"),
            "a user name of [A-Za-z0-9_.@$-], up to 63 characters"),
        env.string("PGPASSWORD", ""));
  }

  /** {@code host:port/database}, for messages and health checks; never the password. */
  public String where() {
    return host + ":" + port + "/" + database;
  }

  /** {@code user@host:port/database}: never the password, so the settings may be logged. */
  @Override
  public String toString() {
    return user + "@" + where();
  }
}
