package dev.hybridcdn.servicekit;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code main} of every service jar: read the typed config from the environment once, start,
 * run until SIGTERM or Ctrl-C, then close (each service's {@code close()} stops HTTP first, then its
 * other parts). Exit status 2 with the variable named when the config is invalid, 1 when the service
 * cannot start.
 */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);

  private ServiceMain() {}

  /**
   * Runs a service until the JVM is asked to stop. Returns only by {@link System#exit}.
   *
   * @param name the service's name in messages, e.g. {@code edge}
   * @param readConfig typically {@code XConfig::from}; throws {@link ConfigException} for a bad value
   * @param start blocking start of the service; throws when it cannot start
   */
  public static <C, S extends AutoCloseable> void run(String name, Function<Env, C> readConfig,
      Function<C, S> start) {
    C config;
    try {
      config = readConfig.apply(Env.system());
    } catch (ConfigException e) {
      System.err.println(name + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    S service;
    try {
      service = start.apply(config);
    } catch (RuntimeException e) {
      LOG.error("{} did not start: {}", name, e.getMessage(), e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        service.close();
      } catch (Exception e) {
        LOG.error("{} did not stop cleanly", name, e);
      } finally {
        stopped.countDown();
      }
    }, name + "-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
