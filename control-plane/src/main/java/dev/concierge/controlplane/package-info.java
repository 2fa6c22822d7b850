/** Control plane: wires store, management, snapshots, discovery and fleet into one gRPC server. */
@NullMarked
package dev.concierge.controlplane;

import org.jspecify.annotations.NullMarked;
