package dev.hybridcdn.ops.eval;

import dev.hybridcdn.ops.report.HtmlReport;
import dev.hybridcdn.ops.report.JsonReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code cdn eval}'s report as Markdown tables (text), one JSON object, or an HTML page with charts. */
public final class EvalRender {
  private EvalRender() {}

  /** Markdown: every table with its note, then the missing tables and how the run was made. */
  public static String text(EvalReport r) {
    StringBuilder out = new StringBuilder();
    for (EvalTable t : r.tables()) {
      out.append(String.format(Locale.ROOT, "%n#### %s %s%n%n", t.id(), t.title()));
      row(out, t.columns());
      out.append('|').append("---|".repeat(t.columns().size())).append('\n');
      t.rows().forEach(cells -> row(out, cells));
      out.append(String.format(Locale.ROOT, "%n%s%n", t.note()));
    }
    if (!r.missing().isEmpty()) {
      out.append(String.format(Locale.ROOT, "%nNot produced:%n"));
      r.missing().forEach((id, why) -> out.append(String.format(Locale.ROOT, "- %s: %s%n", id, why)));
    }
    out.append(String.format(Locale.ROOT, "%nRun: %s%n", r.run()));
    return out.toString();
  }

  private static void row(StringBuilder out, List<String> cells) {
    out.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  /** One JSON object: {@code tables}, {@code missing}, {@code figures}, {@code run}. */
  public static String json(EvalReport r) {
    return JsonReport.write(r);
  }

  /** A self-contained page: every table, and bar charts of latency per level and egress (Chart.js, inlined). */
  public static String html(EvalReport r) {
    String data = JsonReport.write(Map.of("report", r)).replace("</", "<\\/");
    return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>hybrid-cdn evaluation</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}.chart{height:320px;margin:1.5em 0}</style>
        <script>%s</script></head><body>
        <h1>hybrid-cdn evaluation (seed report section 6)</h1>
        <h2>Average latency per level, ms</h2><div class="chart"><canvas id="latency"></canvas></div>
        <h2>Egress as a share of bytes delivered</h2><div class="chart"><canvas id="egress"></canvas></div>
        <div id="tables"></div>
        <script>
        const R = %s.report;
        const esc = s => String(s).replace(/&/g,'&amp;').replace(/</g,'&lt;');
        document.getElementById('tables').innerHTML = R.tables.map(t => '<h2>' + esc(t.id) + ' ' + esc(t.title) + '</h2><table><tr>'
          + t.columns.map(c => '<th>' + esc(c) + '</th>').join('') + '</tr>'
          + t.rows.map(r => '<tr>' + r.map(c => '<td>' + esc(c) + '</td>').join('') + '</tr>').join('')
          + '</table><p>' + esc(t.note) + '</p>').join('')
          + '<h2>Not produced</h2><ul>' + Object.entries(R.missing).map(([k, v]) => '<li>' + esc(k) + ': ' + esc(v) + '</li>').join('') + '</ul>'
          + '<p>Run: ' + esc(JSON.stringify(R.run)) + '</p>';
        const t611 = R.tables.find(t => t.id === '6.1.1');
        new Chart(document.getElementById('latency'), {type: 'bar', data: {labels: t611.rows.map(r => r[0]),
          datasets: [{label: 'hybrid', data: t611.rows.map(r => parseFloat(r[6]))},
                     {label: 'traditional CDN', data: t611.rows.map(r => parseFloat(r[7]))},
                     {label: 'peers, P2P off', data: t611.rows.map(r => parseFloat(r[8]))}]}, options: {maintainAspectRatio: false}});
        const t612 = R.tables.find(t => t.id === '6.1.2');
        new Chart(document.getElementById('egress'), {type: 'bar', data: {labels: ['origin', 'edge', 'total'],
          datasets: t612.rows.slice(0, 3).map(r => ({label: r[0], data: [r[2], r[4], r[6]].map(parseFloat)}))},
          options: {maintainAspectRatio: false}});
        </script></body></html>
        """.formatted(HtmlReport.chartJs(), data);
  }
}
