package dev.hybridcdn.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL database for one test class. Uses the server on 127.0.0.1:5432 (user
 * {@code postgres}, trust auth) when it answers, otherwise one embedded PostgreSQL (zonky) per test
 * JVM on a free port. Each test class gets its own new database, dropped after the class.
 *
 * <pre>{@code @RegisterExtension static final PostgresExtension PG = new PostgresExtension();}</pre>
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresExtension.class);
  private static final int LOCAL_PORT = 5432;
  private static volatile Server server;

  /** Where the server is: host, port, superuser. */
  public record Server(String host, int port, String user, String password) {}

  private String database;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Server s = server();
    database = "it_" + context.getRequiredTestClass().getSimpleName().toLowerCase().replaceAll("[^a-z0-9]", "")
        + "_" + UUID.randomUUID().toString().substring(0, 8);
    if (database.length() > 60) {
      database = database.substring(0, 51) + database.substring(database.length() - 9);
    }
    admin("CREATE DATABASE " + database);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (database != null) {
      admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  /** The server, started on first use. */
  public static synchronized Server server() {
    if (server == null) {
      if (LocalPorts.answers(LOCAL_PORT)) {
        server = new Server("127.0.0.1", LOCAL_PORT, "postgres", "");
        LOG.info("tests use the local PostgreSQL at 127.0.0.1:{}", LOCAL_PORT);
      } else {
        try {
          EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              pg.close();
            } catch (IOException e) {
              LOG.warn("embedded PostgreSQL did not stop: {}", e.toString());
            }
          }));
          server = new Server("127.0.0.1", pg.getPort(), "postgres", "postgres");
          LOG.info("tests use an embedded PostgreSQL at 127.0.0.1:{}", pg.getPort());
        } catch (IOException e) {
          throw new UncheckedIOException("no PostgreSQL on 127.0.0.1:5432 and the embedded one did not start", e);
        }
      }
    }
    return server;
  }

  private void admin(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), server.user(), server.password());
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private String jdbcUrl(String db) {
    return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + db;
  }

  public String host() {
    return server.host();
  }

  public int port() {
    return server.port();
  }

  public String user() {
    return server.user();
  }

  public String password() {
    return server.password();
  }

  /** This test class's own database. */
  public String database() {
    return database;
  }

  /** JDBC URL of this test class's database (for assertions straight at the tables). */
  public String jdbcUrl() {
    return jdbcUrl(database);
  }

  /** A JDBC connection to this test class's database; close it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), server.user(), server.password());
  }
}
