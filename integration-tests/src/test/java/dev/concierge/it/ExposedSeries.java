package dev.concierge.it;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series names a Prometheus text exposition (format 0.0.4) has samples of, each with the label
 * names its samples carry: what a PromQL selector can find after Prometheus scraped it. A
 * histogram's series are its {@code _bucket}, {@code _sum} and {@code _count}, a counter's its
 * {@code _total}; a family with a TYPE line but no sample has no series.
 */
final class ExposedSeries {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+(\\s+\\S+)?$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  private final Map<String, Set<String>> labels = new TreeMap<>();

  private ExposedSeries(String exposition) {
    for (String line : exposition.split("\n", -1)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a sample line: " + line);
      }
      Set<String> names = labels.computeIfAbsent(m.group(1), k -> new TreeSet<>());
      if (m.group(3) != null) {
        // Values are quoted and may hold anything but an unescaped quote: skip past each.
        Matcher label = LABEL.matcher(m.group(3));
        int at = 0;
        while (label.find(at)) {
          names.add(label.group(1));
          at = valueEnd(m.group(3), label.end());
        }
      }
    }
  }

  static ExposedSeries of(String exposition) {
    return new ExposedSeries(exposition);
  }

  private static int valueEnd(String set, int from) {
    int i = from;
    while (i < set.length() && set.charAt(i) != '"') {
      i += set.charAt(i) == '\\' ? 2 : 1;
    }
    return Math.min(i + 1, set.length());
  }

  /** Whether some sample has this series name. */
  boolean has(String series) {
    return labels.containsKey(series);
  }

  /** The label names the samples of this series carry (empty for an unknown series). */
  Set<String> labelNames(String series) {
    return labels.getOrDefault(series, Set.of());
  }

  /** Every series name. */
  Set<String> names() {
    return labels.keySet();
  }
}
