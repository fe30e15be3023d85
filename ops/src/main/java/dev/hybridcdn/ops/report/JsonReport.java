package dev.hybridcdn.ops.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;

/** Summaries as JSON: one object, fields in {@link Summary}'s component order. */
public final class JsonReport {
  private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

  private JsonReport() {}

  /** The shared mapper (records in, records out). */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** One summary as a single-line JSON object. */
  public static String render(Summary s) {
    return write(s);
  }

  /** Any value (a summary, a comparison map) as single-line JSON. */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a summary written by {@link #render(Summary)}. */
  public static Summary read(String json) {
    try {
      return MAPPER.readValue(json, Summary.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
