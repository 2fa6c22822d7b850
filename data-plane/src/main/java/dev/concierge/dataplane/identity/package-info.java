/**
 * The node's fleet identity: its own key pair, the short-lived client certificate the control
 * plane's CA signs for it (joined with a join token, renewed before it expires), and the key
 * manager that presents it on the control-plane channels.
 */
@NullMarked
package dev.concierge.dataplane.identity;

import org.jspecify.annotations.NullMarked;
