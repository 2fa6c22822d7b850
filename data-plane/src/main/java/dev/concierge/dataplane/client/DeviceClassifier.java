package dev.concierge.dataplane.client;

import dev.concierge.api.v1.DeviceClass;
import org.jspecify.annotations.Nullable;

/**
 * Classifies a User-Agent into a {@link DeviceClass} by substrings, ignoring case, the first rule
 * that holds winning:
 *
 * <ol>
 *   <li>{@code BOT}: no User-Agent at all, or one containing "bot", "crawler", "spider", "slurp"
 *       (Yahoo), "curl/", "wget/", "python-requests" or "headless" (HeadlessChrome). Checked first
 *       because crawlers often pose as phones ("... iPhone ... Googlebot/2.1").
 *   <li>{@code TABLET}: "iPad", "Tablet", "Kindle", "Silk" (Fire tablets), "PlayBook", or "Android"
 *       without "Mobile" (Android's own convention: phones say "Mobile", tablets do not).
 *   <li>{@code MOBILE}: "Mobi" (which covers "Mobile"), "iPhone", "iPod", "Android", "Windows
 *       Phone", "BlackBerry" or "Opera Mini".
 *   <li>{@code DESKTOP}: everything else.
 * </ol>
 *
 * <p>Known limit: iPadOS Safari asks for desktop sites and sends a Macintosh User-Agent, so it is
 * DESKTOP, as the server sees no difference. Allocation-free; thread-safe.
 */
public final class DeviceClassifier {
  private static final String[] BOTS = {
    "bot", "crawler", "spider", "slurp", "curl/", "wget/", "python-requests", "headless"
  };
  private static final String[] TABLETS = {"ipad", "tablet", "kindle", "silk", "playbook"};
  private static final String[] MOBILES = {
    "mobi", "iphone", "ipod", "android", "windows phone", "blackberry", "opera mini"
  };

  private DeviceClassifier() {}

  /** The class of {@code userAgent} (null or empty when the request has none). */
  public static DeviceClass classify(@Nullable String userAgent) {
    if (userAgent == null || userAgent.isBlank()) {
      return DeviceClass.BOT;
    }
    if (containsAny(userAgent, BOTS)) {
      return DeviceClass.BOT;
    }
    if (containsAny(userAgent, TABLETS)
        || (contains(userAgent, "android") && !contains(userAgent, "mobile"))) {
      return DeviceClass.TABLET;
    }
    if (containsAny(userAgent, MOBILES)) {
      return DeviceClass.MOBILE;
    }
    return DeviceClass.DESKTOP;
  }

  private static boolean containsAny(String text, String[] needles) {
    for (String needle : needles) {
      if (contains(text, needle)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code text} contains the lower-case ASCII {@code needle}, ignoring case. */
  private static boolean contains(String text, String needle) {
    int last = text.length() - needle.length();
    char first = needle.charAt(0);
    for (int i = 0; i <= last; i++) {
      char c = text.charAt(i);
      if ((c == first || (c | 0x20) == first)
          && text.regionMatches(true, i, needle, 0, needle.length())) {
        return true;
      }
    }
    return false;
  }
}
