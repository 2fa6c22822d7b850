package dev.concierge.dataplane.limits;

import java.util.Locale;

/** Why a listener turned a connection or a request away; the label of its counter. */
public enum Refusal {
  /** The client address already held its most connections. */
  PER_ADDRESS,
  /** The node already held its most connections. */
  PER_NODE,
  /** A request had more header fields than allowed (431). */
  HEADER_COUNT,
  /** A request line and header block were larger than allowed (431). */
  HEADER_BYTES,
  /** A request target was longer than allowed (414). */
  URI_LENGTH;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The metric label value, e.g. {@code per_address}. */
  public String label() {
    return label;
  }

  /** Whether this refuses a connection (else a request). */
  public boolean ofConnection() {
    return this == PER_ADDRESS || this == PER_NODE;
  }
}
