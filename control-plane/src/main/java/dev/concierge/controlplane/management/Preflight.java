package dev.concierge.controlplane.management;

import com.google.protobuf.Message;
import dev.concierge.controlplane.store.ResourceKind;
import org.jspecify.annotations.Nullable;

/**
 * The last check of a management write before the store: would the configuration that results still
 * compile on the nodes? Runs after validation, for validate-only requests too. Implementations must
 * be thread-safe.
 */
@FunctionalInterface
public interface Preflight {

  /**
   * Throws a {@link io.grpc.StatusRuntimeException} INVALID_ARGUMENT when the configuration would
   * not compile once the resource is written.
   *
   * @param kind the kind written
   * @param name the resource's full name
   * @param next the resource as it would be stored (a certificate without its private key), or null
   *     for a delete
   */
  void check(ResourceKind kind, String name, @Nullable Message next);

  /** Accepts every write. */
  static Preflight none() {
    return (kind, name, next) -> {};
  }
}
