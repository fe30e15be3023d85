package dev.hybridcdn.servicekit.network;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** The kinds of node a {@link NetworkModel} tells apart (written in lower case in the YAML). */
public enum NodeKind {
  @JsonProperty("peer") PEER,
  @JsonProperty("edge") EDGE,
  @JsonProperty("origin") ORIGIN;

  /** The name in a model file: {@code peer}, {@code edge}, {@code origin}. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
