package dev.concierge.api.rules;

import com.google.protobuf.Descriptors.EnumDescriptor;
import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.TimeWindow;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a route's client tests: source CIDR blocks, device classes, countries and time
 * windows. Each list is bounded and holds no duplicates; blocks have no address bits after their
 * prefix; countries are two upper-case letters; windows name real times and an IANA zone.
 */
public final class ClientMatchRules {
  /** Most source blocks of one route. */
  public static final int MAX_CIDRS = 256;

  /** Most countries of one route. */
  public static final int MAX_COUNTRIES = 300;

  /** Most time windows of one route. */
  public static final int MAX_WINDOWS = 32;

  /** The country of a client the node cannot place. */
  public static final String UNKNOWN_COUNTRY = "ZZ";

  private ClientMatchRules() {}

  static void check(RouteMatch match, String prefix, ViolationSink sink) {
    String field = prefix + ".match.source_cidrs";
    if (match.getSourceCidrsCount() > MAX_CIDRS) {
      sink.add(field, "at most " + MAX_CIDRS + " blocks");
    }
    Map<Cidrs.Block, Integer> blocks = new HashMap<>();
    for (int i = 0; i < match.getSourceCidrsCount(); i++) {
      String problem = Cidrs.problem(match.getSourceCidrs(i));
      if (problem != null) {
        sink.add(field + "[" + i + "]", problem);
        continue;
      }
      Integer first = blocks.putIfAbsent(Cidrs.block(match.getSourceCidrs(i)), i);
      if (first != null) {
        sink.add(field + "[" + i + "]", "duplicates source_cidrs[" + first + "]");
      }
    }
    enums(
        match.getDevicesValueList(),
        DeviceClass.getDescriptor(),
        prefix + ".match.devices",
        "must name a device class (mobile, tablet, desktop or bot)",
        sink);
    if (match.getCountriesCount() > MAX_COUNTRIES) {
      sink.add(prefix + ".match.countries", "at most " + MAX_COUNTRIES + " countries");
    }
    Map<String, Integer> countries = new HashMap<>();
    for (int i = 0; i < match.getCountriesCount(); i++) {
      String country = match.getCountries(i);
      String at = prefix + ".match.countries[" + i + "]";
      if (!isCountry(country)) {
        sink.add(
            at,
            "\""
                + HttpMethods.printable(country)
                + "\" is not an ISO 3166-1 alpha-2 code (two upper-case letters, e.g. FR)");
      }
      Integer first = countries.putIfAbsent(country, i);
      if (first != null) {
        sink.add(at, "duplicates countries[" + first + "]");
      }
    }
    if (match.getTimeWindowsCount() > MAX_WINDOWS) {
      sink.add(prefix + ".match.time_windows", "at most " + MAX_WINDOWS + " windows");
    }
    for (int i = 0; i < match.getTimeWindowsCount(); i++) {
      window(match.getTimeWindows(i), prefix + ".match.time_windows[" + i + "]", sink);
    }
  }

  /** Two ASCII upper-case letters. */
  public static boolean isCountry(String code) {
    return code.length() == 2 && isUpper(code.charAt(0)) && isUpper(code.charAt(1));
  }

  /** The minute of the day {@code hhmm} names ("HH:MM", "24:00" as 1440), or -1. */
  public static int minuteOfDay(String hhmm) {
    if (hhmm.length() != 5 || hhmm.charAt(2) != ':') {
      return -1;
    }
    int hours = twoDigits(hhmm, 0);
    int minutes = twoDigits(hhmm, 3);
    if (hours < 0 || minutes < 0 || minutes > 59 || hours > 24 || (hours == 24 && minutes > 0)) {
      return -1;
    }
    return hours * 60 + minutes;
  }

  /** The zone a window names (UTC when empty), or null when it is no zone. */
  public static @Nullable ZoneId zone(String name) {
    if (name.isEmpty()) {
      return ZoneId.of("UTC");
    }
    try {
      return ZoneId.of(name);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static void window(TimeWindow window, String field, ViolationSink sink) {
    enums(
        window.getDaysValueList(),
        DayOfWeek.getDescriptor(),
        field + ".days",
        "must name a day (MONDAY-SUNDAY)",
        sink);
    if (!window.getStart().isEmpty()) {
      int start = minuteOfDay(window.getStart());
      if (start < 0 || start == 24 * 60) {
        sink.add(field + ".start", "must be HH:MM from 00:00 to 23:59");
      }
    }
    if (!window.getEnd().isEmpty() && minuteOfDay(window.getEnd()) < 0) {
      sink.add(field + ".end", "must be HH:MM from 00:00 to 24:00");
    }
    if (zone(window.getTimeZone()) == null) {
      sink.add(
          field + ".time_zone",
          "\""
              + HttpMethods.printable(window.getTimeZone())
              + "\" is not a time zone (an IANA name such as Europe/Paris)");
    }
  }

  /** A list of enum values: each known, not the zero value, none twice. */
  private static void enums(
      List<Integer> values, EnumDescriptor type, String field, String zero, ViolationSink sink) {
    Map<Integer, Integer> seen = new HashMap<>();
    for (int i = 0; i < values.size(); i++) {
      String at = field + "[" + i + "]";
      int value = values.get(i);
      if (FieldChecks.known(value, type, at, sink)) {
        if (value == 0) {
          sink.add(at, zero);
        }
        Integer first = seen.putIfAbsent(value, i);
        if (first != null) {
          sink.add(
              at, "duplicates " + field.substring(field.lastIndexOf('.') + 1) + "[" + first + "]");
        }
      }
    }
  }

  private static int twoDigits(String s, int at) {
    char a = s.charAt(at);
    char b = s.charAt(at + 1);
    if (a < '0' || a > '9' || b < '0' || b > '9') {
      return -1;
    }
    return (a - '0') * 10 + (b - '0');
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }
}
