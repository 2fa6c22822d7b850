/** Config path 3: one StreamConfig stream per node, with pushes, ACK/NACK and coalescing. */
@NullMarked
package dev.concierge.controlplane.discovery;

import org.jspecify.annotations.NullMarked;
