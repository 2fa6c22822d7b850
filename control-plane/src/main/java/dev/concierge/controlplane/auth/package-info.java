/** Bearer-token authentication of gRPC calls, and the token files it reads. */
package dev.concierge.controlplane.auth;
