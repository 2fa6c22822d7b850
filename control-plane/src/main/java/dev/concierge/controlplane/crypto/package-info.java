/** Config path 1: private keys encrypted at rest and PEM certificate parsing. */
package dev.concierge.controlplane.crypto;
