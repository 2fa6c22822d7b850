/** The control plane's HTTP port: /metrics now, the web dashboard later. */
@NullMarked
package dev.concierge.controlplane.http;

import org.jspecify.annotations.NullMarked;
