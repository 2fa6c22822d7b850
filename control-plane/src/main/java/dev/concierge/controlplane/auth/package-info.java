/** Bearer-token authentication of gRPC calls, and the token files it reads. */
@NullMarked
package dev.concierge.controlplane.auth;

import org.jspecify.annotations.NullMarked;
