package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import org.jspecify.annotations.Nullable;

/**
 * A resource as the store keeps it: the spec, and for a kind with a sealed column (see {@link
 * ResourceTable#sealedColumn()}) the ciphertext kept beside it, never inside the spec.
 *
 * @param resource the spec, without the secret the sealed column holds
 * @param sealed the ciphertext; null exactly for kinds without a sealed column
 * @param <T> the resource message
 */
public record Stored<T extends Message>(T resource, @Nullable String sealed) {
  public Stored {
    requireNonNull(resource, "resource");
  }

  /** A resource of a kind without a sealed column. */
  public static <T extends Message> Stored<T> of(T resource) {
    return new Stored<>(resource, null);
  }
}
