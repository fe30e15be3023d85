package dev.hybridcdn.streamskit;

import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.schemas.topics.TopicAdmin;
import dev.hybridcdn.servicekit.config.CommonConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Topic creation and the metadata wait before a Streams app starts. */
public final class StreamsTopics {
  private static final Logger LOG = LoggerFactory.getLogger(StreamsTopics.class);
  private static final long POLL_MS = 50;

  private StreamsTopics() {}

  /**
   * Creates the registry's topics and the app's own ({@link AppTopic}, named by
   * {@code applicationId}) with the one replication-factor rule, then waits until every one has
   * partitions with leaders: a just-created topic is not yet known to every client, and Streams
   * fails a global store whose topic has no partitions yet.
   *
   * @return the replication factor used (also for Streams' internal topics)
   * @throws IllegalStateException when Kafka does not answer, or the topics have no leaders, within {@code timeout}
   */
  public static short ensure(CommonConfig common, String applicationId, Collection<AppTopic> own, Duration timeout) {
    try (Admin admin = Admin.create(TopicAdmin.adminConfig(common.kafkaClient(), timeout))) {
      short replication = TopicAdmin.replicationFactor(admin, common.replicationFactor(), timeout);
      TopicAdmin.ensureTopics(admin, common.topics(), applicationId, own, replication, timeout);
      List<String> names = new ArrayList<>(common.topics().allNames());
      own.forEach(t -> names.add(t.name(applicationId)));
      awaitLeaders(admin, names, timeout);
      return replication;
    }
  }

  private static void awaitLeaders(Admin admin, List<String> names, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        var described = admin.describeTopics(names).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (described.values().stream().allMatch(d -> !d.partitions().isEmpty()
            && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
          return;
        }
      } catch (ExecutionException | TimeoutException e) {
        LOG.debug("topics not described yet: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for topics", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + names + " have no partition leaders after " + timeout);
      }
      try {
        Thread.sleep(POLL_MS); // metadata propagation after creation; bounded by the deadline above
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for topics", e);
      }
    }
  }
}
