/** Config path 1: private keys encrypted at rest and PEM certificate parsing. */
@NullMarked
package dev.concierge.controlplane.crypto;

import org.jspecify.annotations.NullMarked;
