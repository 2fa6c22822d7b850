/**
 * Config path 1, from the other side: certificates the control plane obtains and renews itself from
 * an ACME (RFC 8555) server with HTTP-01 challenges that the nodes answer.
 */
@NullMarked
package dev.concierge.controlplane.acme;

import org.jspecify.annotations.NullMarked;
