package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.RetryBudget;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code cluster create|update --retry-budget}: the share of requests that may be retries. */
final class RetryBudgetOption {
  private static final Pattern BUDGET = Pattern.compile("(\\d{1,3})%(?:,min=(\\d{1,5}))?");

  @Option(
      names = "--retry-budget",
      paramLabel = "PERCENT%[,min=N]|off|default",
      converter = BudgetConverter.class,
      description =
          "Retries in flight at most PERCENT% (1-100) of the requests in flight to the cluster, and"
              + " at least N (default 3), e.g. 20% or 20%,min=5; off lifts it (100%); default"
              + " clears it (20%,min=3).")
  @Nullable Budget budget;

  /** A budget as typed; {@code budget == null} for the default. */
  record Budget(@Nullable RetryBudget budget) {}

  boolean given() {
    return budget != null;
  }

  /** Sets the budget given on {@code cluster} and names it in {@code mask}. */
  void applyTo(Cluster.Builder cluster, FieldMask.Builder mask) {
    if (budget == null) {
      return;
    }
    if (budget.budget() != null) {
      cluster.setRetryBudget(budget.budget());
    }
    mask.addPaths("retry_budget");
  }

  /** Parses {@code 20%}, {@code 20%,min=5}, {@code off} or {@code default}. */
  static final class BudgetConverter implements ITypeConverter<Budget> {
    @Override
    public Budget convert(String value) {
      String v = value.strip();
      if (v.equalsIgnoreCase("default")) {
        return new Budget(null);
      }
      if (v.equalsIgnoreCase("off")) {
        return new Budget(RetryBudget.newBuilder().setPercent(100).build());
      }
      Matcher m = BUDGET.matcher(v);
      if (m.matches()) {
        int percent = Integer.parseInt(m.group(1));
        int min = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        if (percent >= 1 && percent <= 100 && (m.group(2) == null || (min >= 1 && min <= 10_000))) {
          return new Budget(
              RetryBudget.newBuilder().setPercent(percent).setMinRetryConcurrency(min).build());
        }
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a retry budget (e.g. 20%, 20%,min=5 with 1-100% and min 1-10000,"
              + " off or default)");
    }
  }
}
