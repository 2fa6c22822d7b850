/** Config path 3: one StreamConfig stream per node, with pushes, ACK/NACK and coalescing. */
package dev.concierge.controlplane.discovery;
