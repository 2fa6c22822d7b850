/**
 * Config rules that the control plane, every node and the CLI must apply alike, written once here
 * so that the control plane never accepts what a node would reject.
 */
@NullMarked
package dev.concierge.api.rules;

import org.jspecify.annotations.NullMarked;
