/**
 * The web dashboard on the control plane's HTTP port: its static assets, and a JSON bridge that
 * takes the browser's calls to the management API through the same gRPC interceptors as the CLI's.
 */
@NullMarked
package dev.concierge.controlplane.dashboard;

import org.jspecify.annotations.NullMarked;
