/**
 * The {@code concierge} command line: management commands over gRPC and the server launchers; the
 * only composition root.
 */
package dev.concierge.cli;
