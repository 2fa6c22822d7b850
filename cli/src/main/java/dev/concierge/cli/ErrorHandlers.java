package dev.concierge.cli;

import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.net.BindException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every failure into one line on stderr and an exit code: 2 for usage errors, 1 for the rest,
 * never a stack trace.
 */
final class ErrorHandlers {

  static final int SERVER_ERROR = 1;
  static final int USAGE_ERROR = 2;

  private ErrorHandlers() {}

  /** picocli parse errors and {@link ParameterException}s thrown by commands. */
  static int handleParseException(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    String suggestion = "";
    if (ex instanceof UnmatchedArgumentException unmatched
        && !unmatched.getSuggestions().isEmpty()) {
      suggestion = "; did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?";
    }
    err.println(
        "error: "
            + oneLine(ex.getMessage())
            + suggestion
            + " (try '"
            + cl.getCommandSpec().qualifiedName()
            + " --help')");
    err.flush();
    return USAGE_ERROR;
  }

  /** Exceptions thrown by a command's business logic. */
  static int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
    PrintWriter err = cl.getErr();
    err.println("error: " + oneLine(describe(ex)));
    err.flush();
    return SERVER_ERROR;
  }

  static String describe(Throwable ex) {
    if (ex instanceof CommandFailure) {
      return String.valueOf(ex.getMessage());
    }
    if (ex instanceof StatusRuntimeException sre) {
      return ControlPlaneClient.describe(sre, null);
    }
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return "address already in use: "
            + (ex.getMessage() == null ? t.getMessage() : ex.getMessage());
      }
    }
    String message = ex.getMessage();
    return message == null || message.isBlank() ? ex.getClass().getSimpleName() : message;
  }

  /** Folds a multi-line message into one line. */
  static String oneLine(@Nullable String message) {
    if (message == null) {
      return "";
    }
    return message.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
