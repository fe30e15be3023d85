package dev.hybridcdn.schemas.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one idempotent function that creates every topic of the registry; shared by every app. */
public final class TopicAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  /** {@code KAFKA_REPLICATION_FACTOR} value that means "choose from the cluster's size". */
  public static final int AUTO_REPLICATION = 0;

  /**
   * The one replication-factor rule of every app: the configured value when it is set (1 to 5),
   * else {@code min(3, live brokers)} (3 is the usual production choice; a single development
   * broker gets 1).
   *
   * @param configured {@code KAFKA_REPLICATION_FACTOR}, {@link #AUTO_REPLICATION} for the rule
   * @throws IllegalStateException when the cluster does not answer within {@code timeout}
   */
  public static short replicationFactor(Admin admin, int configured, Duration timeout) {
    if (configured != AUTO_REPLICATION) {
      return (short) configured;
    }
    try {
      int brokers = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
      return (short) Math.max(1, Math.min(3, brokers));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting brokers", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + timeout + " while counting brokers", e);
    }
  }

  /**
   * Creates every topic of the registry that does not exist yet; existing topics are left as they
   * are. Safe to call from every app at start and any number of times.
   *
   * @param configuredReplication {@code KAFKA_REPLICATION_FACTOR}: 1 to 5, or {@link
   *     #AUTO_REPLICATION} for {@code min(3, brokers)} ({@link #replicationFactor})
   * @return names of the topics this call created (empty when all existed)
   * @throws IllegalStateException when the broker does not answer within {@code timeout}
   */
  public static Set<String> ensureTopics(Admin admin, TopicRegistry registry, int configuredReplication,
      Duration timeout) {
    return ensureTopics(admin, registry, null, List.of(), configuredReplication, timeout);
  }

  /**
   * As {@link #ensureTopics(Admin, TopicRegistry, int, Duration)}, plus the app-owned topics
   * ({@link AppTopic}) of one application id, with the same replication factor.
   *
   * @param applicationId the Streams application id naming the app-owned topics; ignored when
   *     {@code appTopics} is empty
   */
  public static Set<String> ensureTopics(Admin admin, TopicRegistry registry, String applicationId,
      java.util.Collection<AppTopic> appTopics, int configuredReplication, Duration timeout) {
    short replicationFactor = replicationFactor(admin, configuredReplication, timeout);
    List<NewTopic> wanted = new ArrayList<>();
    for (CdnTopic topic : CdnTopic.values()) {
      wanted.add(registry.newTopic(topic, replicationFactor));
    }
    for (AppTopic topic : appTopics) {
      wanted.add(registry.newTopic(topic, applicationId, replicationFactor));
    }
    try {
      Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
      Set<String> created = new java.util.TreeSet<>();
      for (var entry : admin.createTopics(missing).values().entrySet()) {
        try {
          entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          created.add(entry.getKey());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) { // another app won the race: fine
            throw new IllegalStateException("could not create topic " + entry.getKey(), e.getCause());
          }
        }
      }
      if (!created.isEmpty()) {
        LOG.info("created topics {}", created);
      }
      return created;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + timeout + " while creating topics", e);
    }
  }

  /**
   * Admin client settings whose calls give up after {@code timeout}. The admin client refuses an
   * API timeout below its request timeout (30 s by default), so a shorter bound lowers both.
   */
  public static Map<String, Object> adminConfig(String bootstrapServers, Duration timeout) {
    return adminConfig(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), timeout);
  }

  /**
   * The same from a client's base settings ({@code bootstrap.servers} and its security settings,
   * service-kit {@code CommonConfig.kafkaClient()}).
   */
  public static Map<String, Object> adminConfig(Map<String, Object> client, Duration timeout) {
    int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    Map<String, Object> cfg = new java.util.HashMap<>(client);
    cfg.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
    cfg.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, timeoutMs));
    return cfg;
  }

  /** Same as {@link #ensureTopics(Admin, TopicRegistry, int, Duration)} with its own admin client. */
  public static Set<String> ensureTopics(String bootstrapServers, TopicRegistry registry,
      int configuredReplication, Duration timeout) {
    return ensureTopics(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), registry,
        configuredReplication, timeout);
  }

  /** The same with a client's base settings (bootstrap and security). */
  public static Set<String> ensureTopics(Map<String, Object> client, TopicRegistry registry,
      int configuredReplication, Duration timeout) {
    try (Admin admin = Admin.create(adminConfig(client, timeout))) {
      return ensureTopics(admin, registry, configuredReplication, timeout);
    }
  }
}
