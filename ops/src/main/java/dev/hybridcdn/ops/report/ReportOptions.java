package dev.hybridcdn.ops.report;

import java.io.PrintStream;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Option;

/** {@code --json} and {@code --html FILE}: how the demo, swarm and replay commands print their report. */
public final class ReportOptions {
  @Option(names = "--json", description = "Print the summary as one JSON object on stdout.")
  boolean json;
  @Option(names = "--html", paramLabel = "FILE", description = "Also write the report with charts to FILE.")
  Path html;

  public boolean json() {
    return json;
  }

  /** Prints the summary on stdout (text tables, or JSON), then writes the HTML report if asked. */
  public void print(Summary summary, Histogram latency) {
    System.out.println(json ? JsonReport.render(summary) : TextReport.render(summary));
    writeHtml(summary, latency, System.err);
  }

  /** With {@code --html FILE}: the report with charts in FILE, and a progress line saying where. */
  public void writeHtml(Summary summary, Histogram latency, PrintStream progress) {
    if (html != null) {
      HtmlReport.write(html, summary, latency);
      progress.println("• report with charts written to " + html.toAbsolutePath());
    }
  }
}
