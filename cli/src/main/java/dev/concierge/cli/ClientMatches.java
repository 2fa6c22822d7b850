package dev.concierge.cli;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import dev.concierge.api.rules.ClientMatchRules;
import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.TimeWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --device} and {@code --time} match syntax. A time window is written {@code [DAYS]
 * [HH:MM-HH:MM] [ZONE]} in any order, e.g. {@code "mon-fri 09:00-17:00 Europe/Paris"}, {@code
 * "sat,sun"}, {@code "22:00-06:00"}: days are three-letter names, lists and ranges (a range may
 * wrap: {@code fri-mon}); no days means every day, no hours the whole day, no zone UTC.
 */
final class ClientMatches {
  private static final Splitter SPACES = Splitter.on(CharMatcher.whitespace()).omitEmptyStrings();
  private static final Splitter COMMAS = Splitter.on(',');
  private static final String[] DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

  private ClientMatches() {}

  /** A time window as written after --time. */
  static TimeWindow time(String spec) {
    TimeWindow.Builder window = TimeWindow.newBuilder();
    boolean days = false;
    boolean hours = false;
    boolean zone = false;
    for (String token : SPACES.split(spec)) {
      if (token.isEmpty()) {
        continue;
      }
      if (!hours && token.indexOf(':') > 0) {
        hours(token, window, spec);
        hours = true;
      } else if (!days && isDays(token)) {
        for (String part : COMMAS.split(token.toLowerCase(Locale.ROOT))) {
          days(part, window, spec);
        }
        days = true;
      } else if (!zone && (token.contains("/") || token.equalsIgnoreCase("UTC"))) {
        if (ClientMatchRules.zone(token) == null) {
          throw bad(
              spec, "\"" + token + "\" is not a time zone (an IANA name such as Europe/Paris)");
        }
        window.setTimeZone(token);
        zone = true;
      } else {
        throw bad(spec, "cannot read \"" + token + "\"");
      }
    }
    if (!days && !hours) {
      throw bad(spec, "give days, hours or both");
    }
    return window.build();
  }

  /** The form {@link #time} reads, for tables. */
  static String format(TimeWindow window) {
    List<String> parts = new ArrayList<>();
    if (window.getDaysCount() > 0) {
      parts.add(days(window.getDaysList()));
    }
    if (!window.getStart().isEmpty() || !window.getEnd().isEmpty()) {
      String start = window.getStart().isEmpty() ? "00:00" : window.getStart();
      String end = window.getEnd().isEmpty() ? "24:00" : window.getEnd();
      parts.add(start + "-" + end);
    }
    if (!window.getTimeZone().isEmpty()) {
      parts.add(window.getTimeZone());
    }
    return String.join(" ", parts);
  }

  /** Days as runs: {@code mon-fri}, {@code mon,wed,sat-sun}. */
  private static String days(List<DayOfWeek> days) {
    boolean[] on = new boolean[8];
    days.forEach(d -> on[Math.max(0, Math.min(7, d.getNumber()))] = true);
    List<String> runs = new ArrayList<>();
    for (int d = 1; d <= 7; d++) {
      if (!on[d]) {
        continue;
      }
      int end = d;
      while (end < 7 && on[end + 1]) {
        end++;
      }
      runs.add(end - d >= 2 ? DAYS[d - 1] + "-" + DAYS[end - 1] : DAYS[d - 1]);
      if (end - d == 1) {
        runs.add(DAYS[end - 1]);
      }
      d = end;
    }
    return String.join(",", runs);
  }

  private static boolean isDays(String token) {
    String first = token.toLowerCase(Locale.ROOT);
    return first.length() >= 3 && day(first.substring(0, 3)) > 0;
  }

  private static void days(String part, TimeWindow.Builder window, String spec) {
    int dash = part.indexOf('-');
    int from = day(dash < 0 ? part : part.substring(0, dash));
    int to = dash < 0 ? from : day(part.substring(dash + 1));
    if (from < 0 || to < 0) {
      throw bad(spec, "\"" + part + "\" is not a day or day range (mon, tue, ..., sun; mon-fri)");
    }
    for (int d = from; ; d = d % 7 + 1) {
      DayOfWeek day = DayOfWeek.forNumber(d);
      if (!window.getDaysList().contains(day)) {
        window.addDays(day);
      }
      if (d == to) {
        break;
      }
    }
  }

  private static int day(String name) {
    for (int i = 0; i < DAYS.length; i++) {
      if (DAYS[i].equals(name)) {
        return i + 1;
      }
    }
    return -1;
  }

  private static void hours(String token, TimeWindow.Builder window, String spec) {
    int dash = token.indexOf('-');
    String start = dash < 0 ? "" : token.substring(0, dash);
    String end = dash < 0 ? "" : token.substring(dash + 1);
    int from = ClientMatchRules.minuteOfDay(start);
    int to = ClientMatchRules.minuteOfDay(end);
    if (from < 0 || from == 24 * 60 || to < 0) {
      throw bad(spec, "\"" + token + "\" is not HH:MM-HH:MM (00:00 to 24:00, e.g. 09:00-17:30)");
    }
    window.setStart(start).setEnd(end);
  }

  private static TypeConversionException bad(String spec, String problem) {
    return new TypeConversionException(
        "'" + spec + "': " + problem + " (expected e.g. \"mon-fri 09:00-17:00 Europe/Paris\")");
  }

  /** picocli converter for --time. */
  static final class TimeConverter implements ITypeConverter<TimeWindow> {
    @Override
    public TimeWindow convert(String value) {
      return time(value);
    }
  }

  /** picocli converter for --device. */
  static final class DeviceConverter extends EnumChoices.Converter<DeviceClass> {
    DeviceConverter() {
      super(
          "a device class",
          List.of(DeviceClass.MOBILE, DeviceClass.TABLET, DeviceClass.DESKTOP, DeviceClass.BOT));
    }
  }
}
