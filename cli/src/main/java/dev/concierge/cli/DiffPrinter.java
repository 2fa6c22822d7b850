package dev.concierge.cli;

import dev.concierge.api.v1.ApplyResponse;
import dev.concierge.api.v1.FieldChange;
import dev.concierge.api.v1.ResourceChange;
import java.io.Console;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * Prints a config diff resource by resource and field by field: {@code +} added, {@code ~} changed,
 * {@code -} deleted; coloured (green, yellow, red) on a terminal, plain when piped.
 */
final class DiffPrinter {
  private static final String GREEN = "\u001b[32m";
  private static final String YELLOW = "\u001b[33m";
  private static final String RED = "\u001b[31m";
  private static final String RESET = "\u001b[0m";
  private static final String ARROW = ResourceCommand.unicodeOr("\u2192", "->");

  private final PrintWriter out;
  private final boolean colour;

  DiffPrinter(PrintWriter out, boolean colour) {
    this.out = out;
    this.colour = colour;
  }

  /** Whether this process writes to a terminal that wants colour (NO_COLOR unset). */
  @SuppressWarnings("SystemConsoleNull") // isTerminal() is asked where the JDK has it (22+)
  static boolean terminal(Map<String, String> env) {
    Console console = System.console();
    if (console == null || env.containsKey("NO_COLOR")) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException e) {
      return true; // before JDK 22 a console exists only on a terminal
    } catch (ReflectiveOperationException | ClassCastException e) {
      return false;
    }
  }

  /** Every change with its fields. */
  void changes(List<ResourceChange> changes) {
    for (ResourceChange change : changes) {
      String sign =
          switch (change.getAction()) {
            case ADDED -> "+";
            case DELETED -> "-";
            default -> "~";
          };
      String tint =
          switch (change.getAction()) {
            case ADDED -> GREEN;
            case DELETED -> RED;
            default -> YELLOW;
          };
      out.println(paint(tint, sign + " " + change.getName()));
      for (FieldChange field : change.getFieldsList()) {
        out.println("    " + field(change.getAction(), field));
      }
    }
  }

  private static String field(ResourceChange.Action action, FieldChange field) {
    if (action == ResourceChange.Action.ADDED || !field.hasBefore()) {
      return field.getPath() + ": " + (field.hasAfter() ? field.getAfter() : "(unset)");
    }
    if (action == ResourceChange.Action.DELETED || !field.hasAfter()) {
      return field.getPath()
          + ": "
          + field.getBefore()
          + (action == ResourceChange.Action.DELETED ? "" : " " + ARROW + " (unset)");
    }
    return field.getPath() + ": " + field.getBefore() + " " + ARROW + " " + field.getAfter();
  }

  /** The diff and one closing line: what happened, or what would. */
  void answer(ApplyResponse answer, boolean dryRun, String what) {
    if (!answer.getChanged()) {
      out.println(
          "no changes: the config is already " + what + " (revision " + answer.getRevision() + ")");
      return;
    }
    changes(answer.getChangesList());
    String counts = counts(answer.getChangesList());
    out.println(
        dryRun
            ? "dry run: "
                + counts
                + "; nothing was changed (the config stays at revision "
                + answer.getRevision()
                + ")"
            : "revision " + answer.getRevision() + ": " + counts);
  }

  static String counts(List<ResourceChange> changes) {
    int added = 0;
    int changed = 0;
    int deleted = 0;
    for (ResourceChange change : changes) {
      switch (change.getAction()) {
        case ADDED -> added++;
        case DELETED -> deleted++;
        default -> changed++;
      }
    }
    return added + " added, " + changed + " changed, " + deleted + " deleted";
  }

  private String paint(String tint, String text) {
    return colour ? tint + text + RESET : text;
  }
}
