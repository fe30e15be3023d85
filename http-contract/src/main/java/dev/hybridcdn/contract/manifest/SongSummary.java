package dev.hybridcdn.contract.manifest;

import java.util.List;

/**
 * One entry of the song list {@code GET /songs} ({@link ManifestJson#writeSongList}).
 *
 * @param songId song id
 * @param title title, never null
 * @param durationMs duration of the source audio in ms
 * @param renditions rendition names in ladder order, e.g. {@code [64k, 128k, 192k]}
 */
public record SongSummary(String songId, String title, long durationMs, List<String> renditions) {
  public SongSummary {
    renditions = List.copyOf(renditions);
  }
}
