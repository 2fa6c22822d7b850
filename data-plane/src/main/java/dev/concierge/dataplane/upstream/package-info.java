/** Request path, last stage: weighted cluster split, load balancing and the transport to upstream endpoints. */
package dev.concierge.dataplane.upstream;
