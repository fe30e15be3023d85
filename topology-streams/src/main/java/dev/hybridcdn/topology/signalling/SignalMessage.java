package dev.hybridcdn.topology.signalling;

import dev.hybridcdn.schemas.Ids;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A message a peer sends on {@code WS /ws/signalling}, validated like HTTP input: a frame is a JSON
 * object of at most {@value #MAX_FRAME_CHARS} characters whose {@code type} names one of the schemas
 * below, with exactly the fields that schema lists (each required, each checked), nothing more.
 *
 * <pre>
 * {"type":"hello","peerId":"peer-1","region":"eu-west"}          first, once: who this connection is
 * {"type":"join","songId":"s"}   {"type":"leave","songId":"s"}     rooms, one per song
 * {"type":"playing","songId":"s","rendition":"128k","index":0}    announce (joins the room too)
 * {"type":"start","songId":"s","rendition":"128k","segments":30}  a song no peer near it holds: distribute along the path
 * </pre>
 *
 * @param type one of {@link #SCHEMAS}' keys
 * @param body the parsed object (its fields checked)
 */
public record SignalMessage(String type, JsonObject body) {
  /** Larger frames are refused unparsed (Vert.x's own frame limit, 64 KiB, stays as a second bound). */
  public static final int MAX_FRAME_CHARS = 1024;
  /** Indices and segment counts above this are not a song (a 10 s segment: 28 hours). */
  public static final int MAX_SEGMENTS = 10_000;

  /** A frame that breaks its schema; {@code reason} is the error frame's machine-readable reason. */
  public static final class Invalid extends RuntimeException {
    private final String reason;

    Invalid(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  private record Field(String name, Predicate<Object> valid, String expected) {}

  private static final Field PEER_ID = new Field("peerId", v -> v instanceof String s && Ids.isNodeId(s),
      "a node id [A-Za-z0-9._-]{1,64}");
  private static final Field REGION = new Field("region", v -> v instanceof String s && Ids.isRegion(s),
      "a region [a-z0-9][a-z0-9-]{0,31}");
  private static final Field SONG_ID = new Field("songId", v -> v instanceof String s && Ids.isSongId(s),
      "a song id [a-z0-9][a-z0-9_-]{0,63}");
  private static final Field RENDITION = new Field("rendition", v -> v instanceof String s && Ids.isRendition(s),
      "a rendition such as 128k");
  private static final Field INDEX = new Field("index", v -> v instanceof Integer i && i >= 0 && i < MAX_SEGMENTS,
      "an integer 0 to " + (MAX_SEGMENTS - 1));
  private static final Field SEGMENTS = new Field("segments", v -> v instanceof Integer i && i >= 1 && i <= MAX_SEGMENTS,
      "an integer 1 to " + MAX_SEGMENTS);

  /** One schema per type: the fields it must have, and no others besides {@code type}. */
  static final Map<String, List<Field>> SCHEMAS = Map.of(
      "hello", List.of(PEER_ID, REGION),
      "join", List.of(SONG_ID),
      "leave", List.of(SONG_ID),
      "playing", List.of(SONG_ID, RENDITION, INDEX),
      "start", List.of(SONG_ID, RENDITION, SEGMENTS));

  /**
   * Parses and checks one text frame.
   *
   * @throws Invalid {@code frame_too_large}, {@code not_json} (not a JSON object), {@code unknown_type},
   *     {@code missing_field}, {@code invalid_field}, {@code unexpected_field}
   */
  public static SignalMessage parse(String frame) {
    if (frame.length() > MAX_FRAME_CHARS) {
      throw new Invalid("frame_too_large", "frames are at most " + MAX_FRAME_CHARS + " characters, this one has "
          + frame.length());
    }
    JsonObject json;
    try {
      json = new JsonObject(frame);
    } catch (DecodeException | ClassCastException e) {
      throw new Invalid("not_json", "a frame must be one JSON object");
    }
    Object type = json.getValue("type");
    List<Field> schema = type instanceof String t ? SCHEMAS.get(t) : null;
    if (schema == null) {
      throw new Invalid("unknown_type", "type must be one of " + Set.copyOf(SCHEMAS.keySet()));
    }
    for (Field f : schema) {
      if (!json.containsKey(f.name())) {
        throw new Invalid("missing_field", type + " needs field '" + f.name() + "' (" + f.expected() + ")");
      }
      if (!f.valid().test(json.getValue(f.name()))) {
        throw new Invalid("invalid_field", "field '" + f.name() + "' must be " + f.expected());
      }
    }
    if (json.size() != schema.size() + 1) {
      throw new Invalid("unexpected_field", type + " takes only the fields type, "
          + String.join(", ", schema.stream().map(Field::name).toList()));
    }
    return new SignalMessage((String) type, json);
  }

  public String string(String field) {
    return body.getString(field);
  }

  public int integer(String field) {
    return body.getInteger(field);
  }
}
