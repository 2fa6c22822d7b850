package dev.concierge.dataplane.chain;

import org.jspecify.annotations.Nullable;

/**
 * The request methods metrics tell apart; any other (or none, for a request Jetty could not parse)
 * is {@link #OTHER}, so that a client cannot grow the label set.
 */
public enum MethodClass {
  GET(0),
  HEAD(1),
  POST(2),
  PUT(3),
  DELETE(4),
  PATCH(5),
  OPTIONS(6),
  OTHER(7);

  private static final MethodClass[] ALL = values();

  private final int index;

  MethodClass(int index) {
    this.index = index;
  }

  /** Its place among {@link #COUNT}, for tables indexed by method. */
  public int index() {
    return index;
  }

  /** How many there are. */
  public static final int COUNT = ALL.length;

  /** The class of {@code method} (case-sensitive, as HTTP methods are); no allocation. */
  public static MethodClass of(@Nullable String method) {
    if (method == null) {
      return OTHER;
    }
    return switch (method) {
      case "GET" -> GET;
      case "HEAD" -> HEAD;
      case "POST" -> POST;
      case "PUT" -> PUT;
      case "DELETE" -> DELETE;
      case "PATCH" -> PATCH;
      case "OPTIONS" -> OPTIONS;
      default -> OTHER;
    };
  }
}
