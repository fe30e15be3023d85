package dev.hybridcdn.topology;

import dev.hybridcdn.servicekit.ServiceMain;

/** {@code java -jar topology-streams.jar}: reads the environment, starts, waits, shuts down (HTTP first, then Streams). */
public final class TopologyMain {
  private TopologyMain() {}

  public static void main(String[] args) {
    ServiceMain.run(TopologyApp.NAME, TopologyConfig::from, TopologyApp::start);
  }
}
