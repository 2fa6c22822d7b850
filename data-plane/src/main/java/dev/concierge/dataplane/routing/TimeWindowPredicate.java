package dev.concierge.dataplane.routing;

import dev.concierge.api.rules.ClientMatchRules;
import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.TimeWindow;
import dev.concierge.dataplane.client.ClientFacts;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Objects;

/**
 * The node's clock is within one of a route's time windows. Each window's zone rules are resolved
 * once; a test reads the clock, asks the rules for the offset at that instant (daylight saving
 * followed) and compares minutes of the local day, with no calendar objects. A window that wraps
 * past midnight belongs to the day it starts on. Immutable, thread-safe.
 */
public final class TimeWindowPredicate extends ClientPredicate {
  private static final int DAY_MINUTES = 24 * 60;

  private final Window[] windows;

  private TimeWindowPredicate(Window[] windows) {
    this.windows = windows;
  }

  /** The predicate of windows that passed the rules. */
  public static TimeWindowPredicate of(List<TimeWindow> windows) {
    return new TimeWindowPredicate(
        windows.stream().map(TimeWindowPredicate::compile).toArray(Window[]::new));
  }

  @Override
  boolean test(ClientFacts client) {
    return holds(client.currentTimeMillis());
  }

  /** Whether one window holds at {@code epochMillis}. */
  boolean holds(long epochMillis) {
    for (Window window : windows) {
      if (window.holds(epochMillis)) {
        return true;
      }
    }
    return false;
  }

  private static Window compile(TimeWindow window) {
    int days = 0;
    for (DayOfWeek day : window.getDaysList()) {
      days |= 1 << day.getNumber();
    }
    if (days == 0) {
      days = 0b1111_1110; // ISO days 1-7
    }
    int start = window.getStart().isEmpty() ? 0 : ClientMatchRules.minuteOfDay(window.getStart());
    int end =
        window.getEnd().isEmpty() ? DAY_MINUTES : ClientMatchRules.minuteOfDay(window.getEnd());
    ZoneId zone = Objects.requireNonNull(ClientMatchRules.zone(window.getTimeZone()), "zone");
    return new Window(days, start, end, zone.getRules());
  }

  private record Window(int days, int start, int end, ZoneRules rules) {
    boolean holds(long epochMillis) {
      long epochSecond = Math.floorDiv(epochMillis, 1000);
      int offset =
          rules.isFixedOffset()
              ? rules.getOffset(Instant.EPOCH).getTotalSeconds()
              : rules.getOffset(Instant.ofEpochSecond(epochSecond)).getTotalSeconds();
      long local = epochSecond + offset;
      long epochDay = Math.floorDiv(local, 86_400);
      int minute = Math.floorMod(local, 86_400) / 60;
      int day = Math.floorMod(epochDay + 3, 7) + 1; // 1970-01-01 was a Thursday (4)
      if (start == end) {
        return on(day);
      }
      if (start < end) {
        return on(day) && minute >= start && minute < end;
      }
      // Wraps past midnight: the evening of a listed day, or the morning after one.
      return (on(day) && minute >= start) || (on(day == 1 ? 7 : day - 1) && minute < end);
    }

    private boolean on(int day) {
      return (days & (1 << day)) != 0;
    }
  }

  @Override
  public String toString() {
    return "time windows " + windows.length;
  }
}
