/**
 * The {@code concierge} command line: management commands over gRPC and the server launchers; the
 * only composition root.
 */
@NullMarked
package dev.concierge.cli;

import org.jspecify.annotations.NullMarked;
