package dev.concierge.controlplane.auth;

import java.util.List;

/**
 * Which management methods only read. One rule for the audit log (what it records) and for
 * read-only tokens (what they may call), so that a new write RPC is both audited and refused to
 * read-only tokens without a change here.
 */
public final class MethodAccess {
  /** Methods whose bare name starts with one of these only read. */
  public static final List<String> READ_PREFIXES = List.of("Get", "List", "Watch", "Export");

  private MethodAccess() {}

  /** Whether the method of this bare name (e.g. "ListClusters") only reads. */
  public static boolean reads(String bareMethodName) {
    return READ_PREFIXES.stream().anyMatch(bareMethodName::startsWith);
  }
}
