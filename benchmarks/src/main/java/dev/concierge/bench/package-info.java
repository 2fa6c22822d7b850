/** JMH benchmarks of the data plane's per-request pieces (route lookup, header rewriting). */
@NullMarked
package dev.concierge.bench;

import org.jspecify.annotations.NullMarked;
