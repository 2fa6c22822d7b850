package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * One page of a listing ordered by name, and the opaque token of the next one ("" on the last).
 *
 * @param <T> the listed resource
 */
public record Page<T>(List<T> items, String nextPageToken) {
  /** Page size when the caller asks for 0. */
  public static final int DEFAULT_SIZE = 100;

  /** Larger page sizes are cut to this. */
  public static final int MAX_SIZE = 1000;

  public Page {
    items = List.copyOf(items);
    requireNonNull(nextPageToken, "nextPageToken");
  }

  /** The page size to use for a requested one: 0 means the default, above the maximum is cut. */
  public static int size(int requested) {
    if (requested < 0) {
      throw new StoreException(
          StoreException.Reason.INVALID_PAGE_SIZE, "page_size must not be negative");
    }
    return requested == 0 ? DEFAULT_SIZE : Math.min(requested, MAX_SIZE);
  }

  /** The token that continues a listing after the given name. */
  public static String tokenAfter(String name) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(("after:" + name).getBytes(StandardCharsets.UTF_8));
  }

  /** The name a listing continues after: "" for an empty token. */
  public static String nameAfter(String token, String namePrefix) {
    if (token.isEmpty()) {
      return "";
    }
    String decoded;
    try {
      decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw badToken();
    }
    if (!decoded.startsWith("after:" + namePrefix)) {
      throw badToken();
    }
    return decoded.substring("after:".length());
  }

  private static StoreException badToken() {
    return new StoreException(
        StoreException.Reason.INVALID_PAGE_TOKEN, "page_token is not valid for this listing");
  }
}
