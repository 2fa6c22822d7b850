package dev.concierge.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The series selectors of a PromQL expression: each metric name with its label matchers, e.g.
 * {@code rate(x_total{job="a",route=~".*"}[5m])} gives {@code x_total {job=a, route=.*}}. A scanner
 * for what dashboards write, not a parser: whether the expression is valid PromQL is promtool's to
 * say. It skips strings, numbers and durations, range and subquery brackets, function and
 * aggregation names, and the label lists of by, without, on, ignoring, group_left and group_right.
 */
final class PromqlSelectors {
  private static final Set<String> KEYWORDS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile",
          "limitk",
          "limit_ratio",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "and",
          "or",
          "unless",
          "offset",
          "atan2",
          "inf",
          "nan");
  private static final Set<String> LABEL_LISTS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  /** A metric name (empty for a selector of matchers only) and its matchers, label to value. */
  record Selector(String metric, Map<String, String> matchers) {}

  private final String s;
  private int i;
  private final List<Selector> out = new ArrayList<>();

  private PromqlSelectors(String expr) {
    this.s = expr;
  }

  /** The selectors of {@code expr}, in order. */
  static List<Selector> of(String expr) {
    PromqlSelectors scan = new PromqlSelectors(expr);
    scan.run();
    return scan.out;
  }

  private void run() {
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        string();
      } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && isDigit(i + 1))) {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.')) {
          i++; // numbers, hex, exponents, durations (5m, 1h30m)
        }
      } else if (c == '[') {
        i = s.indexOf(']', i) < 0 ? s.length() : s.indexOf(']', i) + 1;
      } else if (c == '{') {
        out.add(new Selector("", matchers()));
      } else if (isNameStart(c)) {
        String name = identifier();
        skipSpace();
        boolean call = i < s.length() && s.charAt(i) == '(';
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (LABEL_LISTS.contains(lower)) {
          if (call) {
            i = s.indexOf(')', i) < 0 ? s.length() : s.indexOf(')', i) + 1;
          }
        } else if (!call && !KEYWORDS.contains(lower)) {
          boolean braces = i < s.length() && s.charAt(i) == '{';
          out.add(new Selector(name, braces ? matchers() : Map.of()));
        }
      } else {
        i++;
      }
    }
  }

  private boolean isDigit(int at) {
    return Character.isDigit(s.charAt(at));
  }

  private static boolean isNameStart(char c) {
    return Character.isLetter(c) || c == '_' || c == ':';
  }

  private String identifier() {
    int start = i;
    while (i < s.length()
        && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':')) {
      i++;
    }
    return s.substring(start, i);
  }

  private void skipSpace() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
  }

  /** Reads {@code {label op "value", ...}} from the opening brace; returns label to value. */
  private Map<String, String> matchers() {
    Map<String, String> matchers = new LinkedHashMap<>();
    i++; // {
    while (i < s.length()) {
      skipSpace();
      if (i >= s.length() || s.charAt(i) == '}') {
        i++;
        break;
      }
      if (s.charAt(i) == ',') {
        i++;
        continue;
      }
      String label = identifier();
      if (label.isEmpty()) {
        i++; // not a label: let promtool say what is wrong
        continue;
      }
      while (i < s.length() && "=!~ ".indexOf(s.charAt(i)) >= 0) {
        i++;
      }
      matchers.put(label, i < s.length() ? string() : "");
    }
    return matchers;
  }

  /** Reads a quoted string from its opening quote; returns its text (escapes kept as written). */
  private String string() {
    char quote = s.charAt(i);
    int start = ++i;
    while (i < s.length() && s.charAt(i) != quote) {
      if (s.charAt(i) == '\\' && quote != '`') {
        i++;
      }
      i++;
    }
    String text = s.substring(start, Math.min(i, s.length()));
    i++;
    return text;
  }
}
