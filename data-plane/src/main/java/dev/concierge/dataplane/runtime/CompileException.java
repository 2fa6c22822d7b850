package dev.concierge.dataplane.runtime;

import java.util.List;

/**
 * A snapshot that cannot be served; the message lists every problem, one per line, with its path.
 */
public final class CompileException extends Exception {
  private final List<String> problems;

  public CompileException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  /** Each problem as "path: what is wrong". */
  public List<String> problems() {
    return problems;
  }
}
