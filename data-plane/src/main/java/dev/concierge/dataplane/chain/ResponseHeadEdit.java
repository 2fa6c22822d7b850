package dev.concierge.dataplane.chain;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;

/**
 * An edit a stage asks for on the final upstream response head, made after the backend's fields are
 * in and before the head is committed (Envoy's encodeHeaders): it survives retries, which reset the
 * response. Implementations are the stage's compiled, shared policy: no allocation.
 */
public interface ResponseHeadEdit {
  /** Edits {@code headers}, the response head of {@code request}. */
  void apply(Request request, HttpFields.Mutable headers);
}
