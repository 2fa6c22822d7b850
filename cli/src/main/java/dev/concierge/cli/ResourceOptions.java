package dev.concierge.cli;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Option blocks that the management commands of every kind share, as picocli mixins: one
 * declaration, one help text and one meaning wherever they appear.
 */
final class ResourceOptions {
  private ResourceOptions() {}

  /** {@code --description}, for create and update of every kind. */
  static final class Description {
    @Option(
        names = "--description",
        paramLabel = "TEXT",
        description = "Free text for people (at most 256 characters).")
    @Nullable String value;

    boolean given() {
      return value != null;
    }
  }

  /**
   * {@code --etag}: the version a change is made against. Without it, update uses the version it
   * reads first and delete removes whatever is stored.
   */
  static final class Etag {
    @Option(
        names = "--etag",
        paramLabel = "ETAG",
        description =
            "Refuse the change unless the stored version still has this etag (from get or list).")
    @Nullable String value;

    /** The given etag, else {@code read}. */
    String or(String read) {
      return value == null || value.isBlank() ? read : value.strip();
    }
  }

  /** {@code --validate-only}: the control plane checks the change and stores nothing. */
  static final class ValidateOnly {
    @Option(
        names = "--validate-only",
        description = "Only check the change with the control plane; store nothing.")
    boolean value;

    /** The confirmation for a change that was {@code done}, or only checked. */
    String confirmation(String kind, String id, String done, String etag) {
      return value
          ? kind + " \"" + id + "\" is valid (nothing stored)"
          : kind + " \"" + id + "\" " + done + ResourceCommand.etagSuffix(etag);
    }
  }
}
