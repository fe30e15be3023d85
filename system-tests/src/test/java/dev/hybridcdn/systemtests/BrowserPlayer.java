package dev.hybridcdn.systemtests;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * hls.js 1.7.4 (npm, {@code system-tests/hlsjs}, installed by {@code .ci/run}) in Debian's headless
 * Chromium driven by Selenium through Debian's chromedriver. The page and hls.js are served by the
 * test over loopback ({@link #pageRouter}); the page collects {@code Hls.Events.ERROR} (fatal or
 * not), loaded fragments and the media element's {@code ended} in {@code window}, and the test
 * polls them. No browser or driver is downloaded: Selenium Manager is bypassed by naming both.
 */
final class BrowserPlayer implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path HLS_JS = Path.of("hlsjs/node_modules/hls.js/dist/hls.min.js");
  /** Chromium's highest playback rate for media: a 3-minute song plays in about 12 s. */
  static final double RATE = 16;

  private static final String PAGE = """
      <!doctype html>
      <html><head><meta charset="utf-8"><title>hybrid-cdn hls.js</title></head>
      <body><audio id="player" muted></audio>
      <script src="/hls.min.js"></script>
      <script>
        window.cdn = {errors: [], fatal: [], fragments: 0, lastFragment: null, ended: false};
        window.startPlayer = function (src, rate) {
          const media = document.getElementById('player');
          // a short forward buffer keeps hls.js requesting fragments while the song plays
          const hls = new Hls({maxBufferLength: 8, maxMaxBufferLength: 8});
          hls.on(Hls.Events.ERROR, function (e, d) {
            window.cdn.errors.push(d.details + (d.fatal ? ' (fatal)' : ''));
            if (d.fatal) { window.cdn.fatal.push(d.type + ' ' + d.details); }
          });
          hls.on(Hls.Events.FRAG_LOADED, function (e, d) {
            window.cdn.fragments++;
            window.cdn.lastFragment = d.frag.url;
          });
          media.addEventListener('ended', function () { window.cdn.ended = true; });
          hls.on(Hls.Events.MANIFEST_PARSED, function () {
            media.playbackRate = rate;
            media.play().catch(function (err) { window.cdn.fatal.push('play() ' + err); });
          });
          hls.loadSource(src);
          hls.attachMedia(media);
          window.hls = hls;
        };
      </script></body></html>
      """;

  private final ChromeDriver driver;

  private BrowserPlayer(ChromeDriver driver) {
    this.driver = driver;
  }

  /**
   * Skips the calling test when Chromium, chromedriver or hls.js is missing and {@code CI} is not
   * set; under {@code CI=true} a missing piece fails it ({@code .ci/run} installs all three).
   */
  static void requireBrowser() {
    require(List.of(CHROMIUM, CHROMEDRIVER, HLS_JS));
  }

  /** As {@link #requireBrowser()} for pages that bring their own hls.js (the dashboard's): Chromium and chromedriver. */
  static void requireChromium() {
    require(List.of(CHROMIUM, CHROMEDRIVER));
  }

  private static void require(List<Path> pieces) {
    List<String> missing = new ArrayList<>();
    for (Path p : pieces) {
      if (!Files.isRegularFile(p)) {
        missing.add(p.toString());
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    String why = "the real-browser test needs " + missing + " (apt-get install -y chromium chromium-driver; "
        + "npm ci in system-tests/hlsjs; .ci/run does both)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(why);
    }
    Assumptions.abort(why);
  }

  /** {@code /} the page, {@code /hls.min.js} hls.js from node_modules. */
  static Router pageRouter(Vertx vertx) {
    Router r = Router.router(vertx);
    r.get("/").handler(ctx -> ctx.response().putHeader("Content-Type", "text/html; charset=utf-8").end(PAGE));
    r.get("/hls.min.js").handler(ctx -> ctx.response().putHeader("Content-Type", "text/javascript")
        .sendFile(HLS_JS.toAbsolutePath().toString()));
    return r;
  }

  static BrowserPlayer open() {
    return new BrowserPlayer(chromium());
  }

  /** Headless Debian Chromium through Debian's chromedriver, 1600 x 1000, media allowed to autoplay. */
  static ChromeDriver chromium() {
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
        .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required",
            "--disable-dev-shm-usage", "--window-size=1600,1000");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return driver;
  }

  /** Opens the page and starts hls.js on {@code masterUrl} at {@link #RATE}. */
  void play(String pageUrl, String masterUrl) {
    driver.get(pageUrl);
    js().executeScript("window.startPlayer(arguments[0], arguments[1]);", masterUrl, RATE);
  }

  long fragmentsLoaded() {
    return ((Number) js().executeScript("return window.cdn.fragments;")).longValue();
  }

  boolean ended() {
    return Boolean.TRUE.equals(js().executeScript("return window.cdn.ended;"));
  }

  @SuppressWarnings("unchecked")
  List<String> fatalErrors() {
    return (List<String>) js().executeScript("return window.cdn.fatal;");
  }

  @SuppressWarnings("unchecked")
  List<String> errors() {
    return (List<String>) js().executeScript("return window.cdn.errors;");
  }

  String lastFragment() {
    return (String) js().executeScript("return window.cdn.lastFragment;");
  }

  private JavascriptExecutor js() {
    return driver;
  }

  @Override
  public void close() {
    driver.quit();
  }
}
