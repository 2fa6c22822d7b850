/** The proxy port's I/O: sticky-read endpoints, header deadline, thread and buffer pools, drain. */
@NullMarked
package dev.concierge.dataplane.server;

import org.jspecify.annotations.NullMarked;
