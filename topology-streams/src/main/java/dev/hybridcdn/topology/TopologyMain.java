package dev.hybridcdn.topology;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar topology-streams.jar}: reads the environment, starts, waits, shuts down (HTTP first, then Streams). */
public final class TopologyMain {
  private static final Logger LOG = LoggerFactory.getLogger(TopologyMain.class);

  private TopologyMain() {}

  public static void main(String[] args) throws InterruptedException {
    TopologyConfig config;
    try {
      config = TopologyConfig.from(Env.system());
    } catch (ConfigException e) {
      System.err.println("topology-streams: " + e.getMessage());
      System.exit(2);
      return;
    }
    TopologyApp app;
    try {
      app = TopologyApp.start(config);
    } catch (RuntimeException e) {
      LOG.error("topology-streams did not start", e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        app.close();
      } catch (RuntimeException e) {
        LOG.error("error while shutting down", e);
      } finally {
        stopped.countDown();
      }
    }, "topology-shutdown"));
    LOG.info("topology-streams {} listening on port {}", config.instanceId(), app.port());
    stopped.await();
  }
}
