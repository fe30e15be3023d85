package dev.hybridcdn.ops.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * A self-contained HTML page of a summary: the text tables, a stacked chart of bytes by tier over
 * time, a latency distribution and swarm churn over time. Charts are drawn by Chart.js 4.6.1 (MIT,
 * from the npm registry, bundled as a resource and inlined), so the page works offline.
 */
public final class HtmlReport {
  private static final String CHART_JS = "chart.umd.min.js";

  private HtmlReport() {}

  /**
   * Writes the page.
   *
   * @param latency latencies of every answered request, microseconds (for the distribution)
   * @throws UncheckedIOException when the file cannot be written
   */
  public static void write(Path file, Summary summary, Histogram latency) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, render(summary, latency), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file, e);
    }
  }

  /** The page as a string. */
  public static String render(Summary summary, Histogram latency) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("summary", summary);
    data.put("latencyBuckets", latencyBuckets(latency));
    String json = JsonReport.write(data).replace("</", "<\\/");
    return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>hybrid-cdn delivery report</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1100px}pre{background:#f4f4f4;padding:1em;overflow:auto}
        .chart{height:320px;margin:1.5em 0}</style>
        <script>%s</script></head><body>
        <h1>hybrid-cdn delivery report</h1>
        <p>Offload <b id="offload"></b>, P2P byte share <b id="p2p"></b>, hit ratio <b id="hit"></b>.</p>
        <h2>Bytes by tier over time</h2><div class="chart"><canvas id="bytes"></canvas></div>
        <h2>Latency distribution (all tiers)</h2><div class="chart"><canvas id="latency"></canvas></div>
        <h2>Swarm joins, leaves and expiries</h2><div class="chart"><canvas id="churn"></canvas></div>
        <h2>Tables</h2><pre id="tables">%s</pre>
        <script id="data" type="application/json">%s</script>
        <script>
        const d = JSON.parse(document.getElementById('data').textContent), s = d.summary;
        const pct = v => (100 * v).toFixed(1) + '%%';
        document.getElementById('offload').textContent = pct(s.offload);
        document.getElementById('p2p').textContent = pct(s.p2pShare);
        document.getElementById('hit').textContent = pct(s.hitRatio);
        const colors = {local: '#4caf50', peer: '#2196f3', edge: '#ff9800', origin: '#f44336'};
        const labels = s.timeline.buckets.map(b => new Date(b.startMs).toISOString().substring(11, 19));
        new Chart(document.getElementById('bytes'), {type: 'bar', data: {labels,
          datasets: Object.keys(colors).map(t => ({label: t, backgroundColor: colors[t],
            data: s.timeline.buckets.map(b => b.bytesByTier[t] / 1048576)}))},
          options: {maintainAspectRatio: false, scales: {x: {stacked: true, title: {display: true, text: 'UTC, per ' + s.timeline.bucketMs / 1000 + ' s'}},
            y: {stacked: true, title: {display: true, text: 'MiB'}}}}});
        new Chart(document.getElementById('latency'), {type: 'bar', data: {
          labels: d.latencyBuckets.map(b => '≤ ' + b.upToMs + ' ms'),
          datasets: [{label: 'requests', backgroundColor: '#607d8b', data: d.latencyBuckets.map(b => b.count)}]},
          options: {maintainAspectRatio: false}});
        new Chart(document.getElementById('churn'), {type: 'line', data: {labels, datasets: [
          {label: 'joins', borderColor: '#4caf50', data: s.timeline.buckets.map(b => b.joins)},
          {label: 'clean leaves', borderColor: '#2196f3', data: s.timeline.buckets.map(b => b.leaves)},
          {label: 'expiries', borderColor: '#f44336', data: s.timeline.buckets.map(b => b.expiries)}]},
          options: {maintainAspectRatio: false}});
        </script></body></html>
        """.formatted(chartJs(), escape(TextReport.render(summary)), json);
  }

  /** Latency counts in doubling buckets from 1 ms: {@code [{upToMs, count}]}. */
  static List<Map<String, Object>> latencyBuckets(Histogram latency) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (latency == null || latency.getTotalCount() == 0) {
      return out;
    }
    long upToMicros = 1000;
    long count = 0;
    for (HistogramIterationValue v : latency.recordedValues()) {
      while (v.getValueIteratedTo() > upToMicros) {
        out.add(Map.of("upToMs", upToMicros / 1000, "count", count));
        count = 0;
        upToMicros *= 2;
      }
      count += v.getCountAtValueIteratedTo();
    }
    out.add(Map.of("upToMs", upToMicros / 1000, "count", count));
    return out;
  }

  /** Chart.js, to inline in a {@code <script>} element (also the eval report's). */
  public static String chartJs() {
    try (InputStream in = HtmlReport.class.getResourceAsStream(CHART_JS)) {
      if (in == null) {
        throw new IllegalStateException(CHART_JS + " is missing from the ops jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("</script", "<\\/script");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
