package dev.hybridcdn.streamskit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hybridcdn.schemas.topics.AppTopic;
import dev.hybridcdn.schemas.topics.CdnTopic;
import dev.hybridcdn.servicekit.config.CommonConfig;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.http.ServiceRouter;
import dev.hybridcdn.servicekit.metrics.Metrics;
import dev.hybridcdn.testkit.KafkaBrokerExtension;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The skeleton against a real broker: topics, RUNNING, HTTP on a free port, close order. */
class StreamsAppIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir
  Path stateDir;

  private StreamsApp.Spec spec(String prefix, Duration timeout) {
    CommonConfig common = CommonConfig.from(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers(),
        "TOPIC_PREFIX", prefix)));
    return new StreamsApp.Spec("kit-test", prefix + "app", common, StreamsSettings.defaults(),
        List.of(AppTopic.TRACKER_PEER_DIRECTORY), 0, 2, "127.0.0.1", timeout);
  }

  /** Copies peer events to the app's own topic; answers HTTP with the health of Streams. */
  private final class Wiring implements StreamsApp.Wiring {
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicBoolean streamsOpenWhenClosed = new AtomicBoolean();
    KafkaStreams streams;

    @Override
    public Topology topology(StreamsApp.Context context) {
      StreamsBuilder b = new StreamsBuilder();
      b.stream(context.spec().common().topics().name(CdnTopic.PEER_EVENTS),
              Consumed.with(Serdes.String(), Serdes.ByteArray()))
          .to(context.topic(AppTopic.TRACKER_PEER_DIRECTORY), Produced.with(Serdes.String(), Serdes.ByteArray()));
      return b.build();
    }

    @Override
    public void configure(Properties streamsConfig, StreamsApp.Context context) {
      streamsConfig.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    }

    @Override
    public Handler<HttpServerRequest> http(StreamsApp.Context context, KafkaStreams streams) {
      this.streams = streams;
      return ServiceRouter.create(context.vertx(),
          StreamsApp.health(streams, Set.of(KafkaStreams.State.RUNNING)), new Metrics());
    }

    @Override
    public void close() {
      closed.set(true);
      streamsOpenWhenClosed.set(streams.state() == KafkaStreams.State.RUNNING);
    }
  }

  @Test
  void startsRunningWithItsTopicsAndClosesHttpBeforeStreams() throws Exception {
    String prefix = KAFKA.uniquePrefix("kit");
    Wiring wiring = new Wiring();
    StreamsApp app = StreamsApp.start(spec(prefix, Duration.ofSeconds(60)), wiring);
    try {
      assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
      assertThat(app.port()).isPositive();
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + app.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"UP\"");
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
        String own = AppTopic.TRACKER_PEER_DIRECTORY.name(prefix + "app");
        assertThat(admin.listTopics().names().get()).contains(own, prefix + "peer-events", prefix + "dead-letters");
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, own);
        assertThat(admin.describeConfigs(List.of(r)).all().get().get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
            .isEqualTo("compact");
      }
    } finally {
      app.close();
    }
    assertThat(wiring.closed).isTrue();
    assertThat(wiring.streamsOpenWhenClosed).as("HTTP and the app's parts close before Streams").isTrue();
    assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.NOT_RUNNING);
  }

  @Test
  void aKafkaThatDoesNotAnswerFailsTheStartWithinTheBound() {
    CommonConfig nowhere = CommonConfig.from(new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")));
    StreamsApp.Spec spec = new StreamsApp.Spec("kit-test", "nowhere", nowhere, StreamsSettings.defaults(),
        List.of(), 0, 1, "127.0.0.1", Duration.ofSeconds(2));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> StreamsApp.start(spec, new Wiring())).isInstanceOf(IllegalStateException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
  }
}
