package dev.concierge.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.ApplyResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/** What apply and rollback share: printing the diff they answer, and explaining a refusal. */
abstract class ConfigWriteCommand extends ResourceCommand {

  @Option(names = "--dry-run", description = "Show the diff; change nothing.")
  boolean dryRun;

  @Option(
      names = "--if-revision",
      paramLabel = "N",
      description = "Refuse (exit 1) unless the config is still at revision N.")
  long ifRevision;

  /** The answer as JSON or YAML, or the diff with one closing line; warnings on stderr. */
  final void print(ApplyResponse answer, boolean dryRun, String what) {
    PrintWriter err = spec.commandLine().getErr();
    for (String warning : answer.getWarningsList()) {
      err.println("warning: " + warning);
    }
    if (root.output() != OutputFormat.TABLE) {
      printer().one(answer, o -> {});
      return;
    }
    new DiffPrinter(out(), DiffPrinter.terminal(root.env())).answer(answer, dryRun, what);
  }

  /**
   * Runs the call; when the server names fields, prints each on its own line as the user wrote it
   * ({@code origin}) and fails with a count.
   */
  final <T> T explained(Supplier<T> call, UnaryOperator<String> origin) {
    try {
      return call.get();
    } catch (CommandFailure e) {
      List<BadRequest.FieldViolation> violations = violations(e);
      if (violations.isEmpty()) {
        throw e;
      }
      PrintWriter err = spec.commandLine().getErr();
      for (BadRequest.FieldViolation v : violations) {
        err.println("error: " + origin.apply(v.getField()) + ": " + v.getDescription());
      }
      String description =
          e.getCause() instanceof StatusRuntimeException s && s.getStatus().getDescription() != null
              ? s.getStatus().getDescription()
              : "invalid config";
      int colon = description.indexOf(':');
      throw new CommandFailure(
          (colon < 0 ? description : description.substring(0, colon))
              + ": "
              + violations.size()
              + (violations.size() == 1 ? " problem" : " problems")
              + "; nothing was changed",
          e);
    }
  }

  private static List<BadRequest.FieldViolation> violations(CommandFailure e) {
    if (!(e.getCause() instanceof StatusRuntimeException s)) {
      return List.of();
    }
    com.google.rpc.Status status = StatusProto.fromThrowable(s);
    if (status == null) {
      return List.of();
    }
    List<BadRequest.FieldViolation> violations = new ArrayList<>();
    for (com.google.protobuf.Any detail : status.getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        try {
          violations.addAll(detail.unpack(BadRequest.class).getFieldViolationsList());
        } catch (InvalidProtocolBufferException ignored) {
          // Unreadable: the one-line description still says what failed.
        }
      }
    }
    return violations;
  }
}
