package dev.hybridcdn.topology;

import dev.hybridcdn.servicekit.ServiceMain;
import org.slf4j.LoggerFactory;

/** {@code java -jar topology-streams.jar}: reads the environment, starts, waits, shuts down (HTTP first, then Streams). */
public final class TopologyMain {
  private TopologyMain() {}

  public static void main(String[] args) {
    ServiceMain.run("topology-streams", TopologyConfig::from, config -> {
      TopologyApp app = TopologyApp.start(config);
      LoggerFactory.getLogger(TopologyMain.class)
          .info("topology-streams {} listening on port {}", config.instanceId(), app.port());
      return app;
    });
  }
}
