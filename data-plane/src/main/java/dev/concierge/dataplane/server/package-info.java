/** The proxy port's I/O: sticky-read endpoints, header deadline, thread and buffer pools. */
package dev.concierge.dataplane.server;
