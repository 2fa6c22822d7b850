/**
 * Consumers' credentials on the control plane: API keys made and hashed, passwords hashed, and the
 * sealed form the store keeps of both.
 */
@NullMarked
package dev.concierge.controlplane.consumer;

import org.jspecify.annotations.NullMarked;
