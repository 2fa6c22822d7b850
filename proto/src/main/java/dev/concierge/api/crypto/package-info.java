/**
 * Encryption at rest shared by the control plane (certificate keys in its store) and the node
 * (certificate keys in its last-good cache).
 */
@NullMarked
package dev.concierge.api.crypto;

import org.jspecify.annotations.NullMarked;
