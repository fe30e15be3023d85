package dev.hybridcdn.schemas.deadletter;

import dev.hybridcdn.schemas.serde.EventCodec;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A poll loop over byte-valued records that decodes each into an event and hands it to a handler.
 * A record that cannot be decoded, or whose handler throws, is logged with topic, partition and
 * offset, sent to the dead-letter topic, and skipped: one poison record never stops the loop.
 *
 * <p>Run it on its own thread; {@link #stop()} from any thread ends it. Offsets are committed by
 * the consumer's own settings (auto-commit) or by the handler.
 */
public final class EventConsumerLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(EventConsumerLoop.class);

  /** Handles one decoded event; may throw, which dead-letters the record. */
  @FunctionalInterface
  public interface Handler {
    void handle(ConsumerRecord<String, byte[]> record, SpecificRecord event) throws Exception;
  }

  private final Consumer<String, byte[]> consumer;
  private final Producer<byte[], byte[]> deadLetterProducer;
  private final String deadLetterTopic;
  private final String application;
  private final EventCodec codec;
  private final Handler handler;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong handled = new AtomicLong();

  /**
   * @param consumer subscribed or assigned by the caller; owned (closed) by this loop
   * @param deadLetterProducer not owned; shared producers are fine
   * @param deadLetterTopic full name, e.g. {@code cdn.dead-letters}
   * @param application group or app name written in the dead-letter headers
   */
  public EventConsumerLoop(Consumer<String, byte[]> consumer, Producer<byte[], byte[]> deadLetterProducer,
      String deadLetterTopic, String application, EventCodec codec, Handler handler) {
    this.consumer = consumer;
    this.deadLetterProducer = deadLetterProducer;
    this.deadLetterTopic = deadLetterTopic;
    this.application = application;
    this.codec = codec;
    this.handler = handler;
  }

  @Override
  public void run() {
    try {
      while (running.get()) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, byte[]> record : records) {
          process(record);
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Processes a batch outside of {@link #run()} (for callers with their own poll loop). */
  public void processAll(Collection<ConsumerRecord<String, byte[]>> records) {
    records.forEach(this::process);
  }

  private void process(ConsumerRecord<String, byte[]> record) {
    SpecificRecord event;
    try {
      event = codec.decode(record.topic(), record.value());
      if (event == null) {
        throw new IllegalArgumentException("empty value");
      }
    } catch (RuntimeException e) {
      deadLetter(record, e, "undecodable");
      return;
    }
    try {
      handler.handle(record, event);
      handled.incrementAndGet();
    } catch (Exception e) {
      deadLetter(record, e, "unprocessable " + event.getSchema().getName());
    }
  }

  private void deadLetter(ConsumerRecord<String, byte[]> record, Exception e, String what) {
    deadLettered.incrementAndGet();
    LOG.warn("{} record at {} sent to {}: {}", what,
        DeadLetters.where(record.topic(), record.partition(), record.offset()), deadLetterTopic, e.toString());
    byte[] key = record.key() == null ? null : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    deadLetterProducer.send(DeadLetters.record(deadLetterTopic, record.topic(), record.partition(),
        record.offset(), key, record.value(), e, application), (md, err) -> {
          if (err != null) {
            LOG.error("could not dead-letter {}: {}",
                DeadLetters.where(record.topic(), record.partition(), record.offset()), err.toString());
          }
        });
  }

  /** Ends the loop after the current batch; safe from any thread. */
  public void stop() {
    running.set(false);
    consumer.wakeup();
  }

  /** Records sent to the dead-letter topic so far. */
  public long deadLettered() {
    return deadLettered.get();
  }

  /** Records decoded and handled so far. */
  public long handled() {
    return handled.get();
  }
}
