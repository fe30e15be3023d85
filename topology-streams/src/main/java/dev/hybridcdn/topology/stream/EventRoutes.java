package dev.hybridcdn.topology.stream;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;

/**
 * A typed branch per event class, for topics that carry several record types (the registry's
 * {@code CdnTopic.recordTypes()}): each handler receives its own generated class (and a context,
 * e.g. the Streams record), and a type with no handler is rejected rather than silently dropped.
 * Java 17 has no pattern {@code switch}, and Avro's generated classes cannot form a sealed
 * hierarchy, hence a table instead of an {@code instanceof} chain.
 *
 * @param <C> what every handler gets besides the event
 */
final class EventRoutes<C> {
  private final Map<Class<?>, BiConsumer<C, SpecificRecord>> routes = new HashMap<>();

  /** Handles events of exactly {@code type}. */
  <E extends SpecificRecord> EventRoutes<C> on(Class<E> type, BiConsumer<C, E> handler) {
    routes.put(type, (context, event) -> handler.accept(context, type.cast(event)));
    return this;
  }

  /** Accepts events of {@code type} and does nothing with them. */
  EventRoutes<C> ignore(Class<? extends SpecificRecord> type) {
    routes.put(type, (context, event) -> { });
    return this;
  }

  /**
   * Runs the handler of the event's class.
   *
   * @throws EventRules.RejectedEvent when no handler takes that class
   */
  void dispatch(C context, SpecificRecord event) {
    BiConsumer<C, SpecificRecord> route = routes.get(event.getClass());
    if (route == null) {
      throw new EventRules.RejectedEvent("unexpected event type " + event.getSchema().getFullName());
    }
    route.accept(context, event);
  }
}
