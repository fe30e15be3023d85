package dev.hybridcdn.edge;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar edge-vertx/target/edge-vertx.jar}: reads {@link EdgeConfig} from the environment
 * (exit 2 with the variable named when a value is invalid), starts an {@link EdgeServer} and stops
 * it on SIGTERM / Ctrl-C.
 */
public final class EdgeMain {
  private static final Logger LOG = LoggerFactory.getLogger(EdgeMain.class);

  private EdgeMain() {}

  public static void main(String[] args) {
    EdgeConfig config;
    try {
      config = EdgeConfig.from(Env.system());
    } catch (ConfigException e) {
      System.err.println("edge: " + e.getMessage());
      System.exit(2);
      return;
    }
    EdgeServer server;
    try {
      server = EdgeServer.start(config);
    } catch (RuntimeException e) {
      LOG.error("edge did not start", e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (RuntimeException e) {
        LOG.error("edge did not stop cleanly", e);
      }
    }, "edge-shutdown"));
  }
}
