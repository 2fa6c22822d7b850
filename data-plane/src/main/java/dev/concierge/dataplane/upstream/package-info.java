/**
 * Request path, last stage: decides where a request goes (cluster, endpoint, tries, errors) and
 * hands each try to an {@link dev.concierge.dataplane.upstream.UpstreamTransport}, which carries
 * it.
 */
@NullMarked
package dev.concierge.dataplane.upstream;

import org.jspecify.annotations.NullMarked;
