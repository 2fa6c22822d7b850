package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import java.util.Map;

/**
 * One HTTP answer of the dashboard, independent of the server that writes it.
 *
 * @param status the HTTP status
 * @param contentType the Content-Type header
 * @param headers further headers (caching, validators)
 * @param body the whole body
 */
public record HttpAnswer(
    int status, String contentType, Map<String, String> headers, ByteString body) {
  static final String JSON = "application/json; charset=utf-8";

  public HttpAnswer {
    requireNonNull(contentType, "contentType");
    headers = Map.copyOf(headers);
    requireNonNull(body, "body");
  }

  /** A JSON answer that no cache keeps: management data is per token and changes all the time. */
  static HttpAnswer json(int status, String json) {
    return new HttpAnswer(
        status, JSON, Map.of("Cache-Control", "no-store"), ByteString.copyFromUtf8(json));
  }

  /** {"code": ..., "message": ...}, as every refused call answers. */
  static HttpAnswer error(int status, String code, String message) {
    JsonObject o = new JsonObject();
    o.addProperty("code", code);
    o.addProperty("message", message);
    return json(status, o.toString());
  }
}
