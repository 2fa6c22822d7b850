/**
 * Request path, stage 0 (before routing): answers the ACME HTTP-01 challenges of the control
 * plane's pending certificate orders on every host.
 */
@NullMarked
package dev.concierge.dataplane.acme;

import org.jspecify.annotations.NullMarked;
