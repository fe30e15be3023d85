package dev.hybridcdn.dashboard;

import dev.hybridcdn.servicekit.ServiceMain;

/** {@code java -jar dashboard.jar}: reads the environment, starts, waits, shuts down (HTTP first, then the feed). */
public final class DashboardMain {
  private DashboardMain() {}

  public static void main(String[] args) {
    ServiceMain.run(DashboardApp.NAME, DashboardConfig::from, DashboardApp::start);
  }
}
