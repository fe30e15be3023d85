package dev.hybridcdn.tracker;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar tracker-streams.jar}: reads the environment, starts, stops on SIGTERM. Exit 2 on bad config. */
public final class TrackerMain {
  private static final Logger LOG = LoggerFactory.getLogger(TrackerMain.class);

  private TrackerMain() {}

  public static void main(String[] args) throws InterruptedException {
    TrackerConfig config;
    try {
      config = TrackerConfig.from(Env.system());
    } catch (ConfigException e) {
      System.err.println("tracker-streams: " + e.getMessage());
      System.exit(2);
      return;
    }
    TrackerApp app;
    try {
      app = TrackerApp.start(config);
    } catch (RuntimeException e) {
      LOG.error("tracker did not start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        app.close();
      } catch (RuntimeException e) {
        LOG.error("error while stopping the tracker", e);
      } finally {
        stopped.countDown();
      }
    }, "tracker-shutdown"));
    stopped.await();
  }
}
