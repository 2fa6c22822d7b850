package dev.concierge.controlplane.management;

import com.google.protobuf.Message;
import dev.concierge.controlplane.store.ResourceKind;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The last check of a management write before the store: would the configuration that results still
 * compile on the nodes, and does it hold something the writer most likely did not mean? Runs after
 * validation, for validate-only requests too. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Preflight {

  /**
   * Throws a {@link io.grpc.StatusRuntimeException} INVALID_ARGUMENT when the configuration would
   * not compile once the resource is written; otherwise returns the warnings the answer carries
   * (see {@link ResponseWarnings}), usually none.
   *
   * @param kind the kind written
   * @param name the resource's full name
   * @param next the resource as it would be stored (a certificate without its private key), or null
   *     for a delete
   */
  List<String> check(ResourceKind kind, String name, @Nullable Message next);
}
