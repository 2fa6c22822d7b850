package dev.concierge.dataplane.client;

import dev.concierge.api.v1.DeviceClass;
import org.jspecify.annotations.Nullable;

/**
 * What the node knows of one request's client, each fact computed on first use and kept for the
 * rest of the request (the request's context implements it).
 */
public interface ClientFacts {
  /** The client's address: the peer, or the client behind a trusted proxy. */
  ClientAddress clientAddress();

  /** Whether the connection's peer is a trusted proxy. */
  boolean peerTrusted();

  /** The device class of the User-Agent. */
  DeviceClass deviceClass();

  /** The client's country, ISO 3166-1 alpha-2, "ZZ" when unknown. */
  String country();

  /** The node's clock now, in epoch milliseconds. */
  long currentTimeMillis();

  /**
   * The consumer an authentication stage proved the request comes from, or {@code null} when none
   * did (or outside a request).
   */
  default @Nullable String consumer() {
    return null;
  }

  /**
   * The claim {@code name} of the request's verified JWT as text (a string as it is, a number or
   * boolean as its JSON text), or {@code null} when there is none or no JWT was verified.
   */
  default @Nullable String claim(String name) {
    return null;
  }
}
