/** The control plane's HTTP port: /metrics and the web dashboard (package dashboard). */
@NullMarked
package dev.concierge.controlplane.http;

import org.jspecify.annotations.NullMarked;
