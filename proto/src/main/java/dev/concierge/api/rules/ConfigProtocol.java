package dev.concierge.api.rules;

/** The version of the discovery protocol that a node states and the control plane requires. */
public final class ConfigProtocol {
  /** Raised when a snapshot or handshake changes in a way an older peer would misread. */
  public static final int VERSION = 1;

  private ConfigProtocol() {}
}
