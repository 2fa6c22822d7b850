/** Routes the node answers itself: redirects and direct responses. */
@NullMarked
package dev.concierge.dataplane.answer;

import org.jspecify.annotations.NullMarked;
