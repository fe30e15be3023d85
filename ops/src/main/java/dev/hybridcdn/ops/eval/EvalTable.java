package dev.hybridcdn.ops.eval;

import java.util.List;

/**
 * One table of {@code cdn eval}: a table of the seed report's section 6 with the seed's numbers in
 * columns beside ours, or one of ours (listener, goals).
 *
 * @param id the seed's section number ({@code 6.1.1}) or a name ({@code listener}, {@code goals})
 * @param title what it shows
 * @param columns column headers
 * @param rows cells, as printed
 * @param note how our figures were measured (definitions, what differs from the seed)
 */
public record EvalTable(String id, String title, List<String> columns, List<List<String>> rows, String note) {
  public EvalTable {
    columns = List.copyOf(columns);
    rows = rows.stream().map(List::copyOf).toList();
    for (List<String> r : rows) {
      if (r.size() != columns.size()) {
        throw new IllegalArgumentException("table " + id + ": a row has " + r.size() + " cells for " + columns.size() + " columns");
      }
    }
  }
}
