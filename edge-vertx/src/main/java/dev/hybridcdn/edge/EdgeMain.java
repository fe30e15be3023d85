package dev.hybridcdn.edge;

import dev.hybridcdn.servicekit.ServiceMain;

/**
 * {@code java -jar edge-vertx/target/edge-vertx.jar}: reads {@link EdgeConfig} from the environment
 * (exit 2 with the variable named when a value is invalid), starts an {@link EdgeServer} and stops
 * it on SIGTERM / Ctrl-C.
 */
public final class EdgeMain {
  private EdgeMain() {}

  public static void main(String[] args) {
    ServiceMain.run("edge", EdgeConfig::from, EdgeServer::start);
  }
}
