package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One recorded management call.
 *
 * @param time when the call ended
 * @param tokenName the caller's token name, or "-" when unauthenticated
 * @param clientAddress the peer's address, or "" when the transport has none
 * @param rpc the full method name
 * @param resource what the request named, or ""
 * @param code the gRPC status code
 * @param detail the status description, or ""
 */
public record AuditRecord(
    Instant time,
    String tokenName,
    String clientAddress,
    String rpc,
    String resource,
    String code,
    String detail) {
  public AuditRecord {
    requireNonNull(time, "time");
    requireNonNull(tokenName, "tokenName");
    requireNonNull(clientAddress, "clientAddress");
    requireNonNull(rpc, "rpc");
    requireNonNull(resource, "resource");
    requireNonNull(code, "code");
    requireNonNull(detail, "detail");
  }
}
