package dev.hybridcdn.tracker;

import dev.hybridcdn.servicekit.ServiceMain;

/** {@code java -jar tracker-streams.jar}: reads the environment, starts, stops on SIGTERM. Exit 2 on bad config. */
public final class TrackerMain {
  private TrackerMain() {}

  public static void main(String[] args) {
    ServiceMain.run("tracker-streams", TrackerConfig::from, TrackerApp::start);
  }
}
