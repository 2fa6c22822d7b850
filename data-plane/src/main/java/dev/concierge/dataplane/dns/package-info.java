/**
 * Node-lifetime: endpoint host names resolved off the request path (a small executor of its own),
 * cached and re-resolved on a period; the transports only read the cached addresses.
 */
@NullMarked
package dev.concierge.dataplane.dns;

import org.jspecify.annotations.NullMarked;
