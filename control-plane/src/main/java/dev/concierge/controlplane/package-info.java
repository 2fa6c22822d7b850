/** Control plane: wires store, management, snapshots, discovery and fleet into one gRPC server. */
package dev.concierge.controlplane;
