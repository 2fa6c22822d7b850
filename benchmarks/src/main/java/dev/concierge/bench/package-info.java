/** JMH benchmarks of the data plane's per-request pieces (route lookup, header rewriting). */
package dev.concierge.bench;
