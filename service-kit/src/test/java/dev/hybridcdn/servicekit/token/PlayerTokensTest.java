package dev.hybridcdn.servicekit.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hybridcdn.servicekit.config.ConfigException;
import dev.hybridcdn.servicekit.config.Env;
import dev.hybridcdn.servicekit.token.PlayerTokens.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlayerTokensTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-test";
  private static final List<String> SONG = List.of("/hls/demo/*", "/segments/demo/*");
  private static final long NOW = 1_800_000_000L;
  private final PlayerTokens tokens = PlayerTokens.of(SECRET);

  @Test
  void aTokenCoversItsSongsPlaylistsAndSegmentsUntilItExpires() {
    String t = tokens.sign(SONG, NOW + 60);
    assertTrue(t.matches("exp=1800000060~acl=/hls/demo/\\*!/segments/demo/\\*~hmac=[0-9a-f]{64}"), t);
    assertEquals(Verdict.OK, tokens.check(t, "/hls/demo/master.m3u8", NOW));
    assertEquals(Verdict.OK, tokens.check(t, "/hls/demo/128k/playlist.m3u8", NOW));
    assertEquals(Verdict.OK, tokens.check(t, "/segments/demo/128k/seg00000-9f86d081884c7d65.ts", NOW + 59));
  }

  @Test
  void anExpiredTokenIsRefused() {
    String t = tokens.sign(SONG, NOW);
    assertEquals(Verdict.EXPIRED, tokens.check(t, "/segments/demo/128k/seg00000.ts", NOW));
    assertEquals(403, Verdict.EXPIRED.status());
    assertEquals("token_expired", Verdict.EXPIRED.code());
  }

  @Test
  void anotherSongsPathIsRefused() {
    String t = tokens.sign(SONG, NOW + 60);
    assertEquals(Verdict.WRONG_PATH, tokens.check(t, "/segments/other/128k/seg00000.ts", NOW));
    assertEquals(Verdict.WRONG_PATH, tokens.check(t, "/hls/demo2/master.m3u8", NOW)); // prefix ends with /
    assertEquals(Verdict.WRONG_PATH, tokens.check(t, "/hls/demo/../other/master.m3u8", NOW));
    String exact = tokens.sign(List.of("/hls/demo/master.m3u8"), NOW + 60);
    assertEquals(Verdict.OK, tokens.check(exact, "/hls/demo/master.m3u8", NOW));
    assertEquals(Verdict.WRONG_PATH, tokens.check(exact, "/hls/demo/128k/playlist.m3u8", NOW));
  }

  @Test
  void anEditedTokenIsTampered() {
    String t = tokens.sign(SONG, NOW + 60);
    String later = t.replace("exp=1800000060", "exp=1900000060");
    assertEquals(Verdict.TAMPERED, tokens.check(later, "/hls/demo/master.m3u8", NOW));
    String widened = t.replace("acl=/hls/demo/*", "acl=/*");
    assertEquals(Verdict.TAMPERED, tokens.check(widened, "/hls/other/master.m3u8", NOW));
    char last = t.charAt(t.length() - 1);
    String flipped = t.substring(0, t.length() - 1) + (last == '0' ? '1' : '0');
    assertEquals(Verdict.TAMPERED, tokens.check(flipped, "/hls/demo/master.m3u8", NOW));
    String foreign = PlayerTokens.of("another-secret-of-at-least-32-characters").sign(SONG, NOW + 60);
    assertEquals(Verdict.TAMPERED, tokens.check(foreign, "/hls/demo/master.m3u8", NOW));
  }

  @Test
  void missingAndMalformedTokensAreRefusedWithTheirOwnCodes() {
    assertEquals(Verdict.MISSING, tokens.check(null, "/hls/demo/master.m3u8", NOW));
    assertEquals(Verdict.MISSING, tokens.check("", "/hls/demo/master.m3u8", NOW));
    assertEquals(401, Verdict.MISSING.status());
    for (String bad : List.of("abc", "exp=x~acl=/*~hmac=" + "0".repeat(64), "exp=1~hmac=" + "0".repeat(64),
        "exp=1~acl=/*~hmac=zz" + "0".repeat(62), "exp=1~acl=/*~hmac=00")) {
      assertEquals(Verdict.MALFORMED, tokens.check(bad, "/hls/demo/master.m3u8", NOW), bad);
    }
  }

  @Test
  void settingsComeFromPlayerTokenSecret() {
    assertNull(PlayerTokens.from(new Env(Map.of())));
    assertNull(PlayerTokens.from(new Env(Map.of("PLAYER_TOKEN_SECRET", " "))));
    PlayerTokens fromEnv = PlayerTokens.from(new Env(Map.of("PLAYER_TOKEN_SECRET", SECRET)));
    assertEquals(Verdict.OK, fromEnv.check(tokens.sign(SONG, NOW + 60), "/hls/demo/master.m3u8", NOW));
    ConfigException e = assertThrows(ConfigException.class,
        () -> PlayerTokens.from(new Env(Map.of("PLAYER_TOKEN_SECRET", "short"))));
    assertTrue(e.getMessage().contains("PLAYER_TOKEN_SECRET"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tokens.sign(List.of("/a~b"), NOW));
    assertThrows(IllegalArgumentException.class, () -> tokens.sign(List.of(), NOW));
  }
}
