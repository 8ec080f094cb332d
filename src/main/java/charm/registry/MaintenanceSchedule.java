package charm.registry;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The maintenance-schedule option, {@code daily HH:MM} or {@code weekly DAY HH:MM} in UTC, and
 * the arithmetic of its windows. Pure: every instant comes from the caller.
 *
 * <p>A window runs from one scheduled time to the next; the job runs once per window, from the
 * first hook at or after its start. A schedule the leader has not seen before starts from the
 * window in progress (its baseline): it first runs at its next scheduled time, not at once.
 *
 * @param day the day of a weekly schedule, or null for a daily one
 * @param time the time of day (UTC), whole minutes
 */
public record MaintenanceSchedule(DayOfWeek day, LocalTime time) {
  static final String FORMAT = "must be daily HH:MM or weekly DAY HH:MM (UTC), e.g. weekly sunday 03:00";
  static final String TIME = "the time must be HH:MM from 00:00 to 23:59 (UTC)";
  static final String DAY = "the day must be monday to sunday (or mon to sun)";
  private static final Pattern HH_MM = Pattern.compile("(\\d{1,2}):(\\d{2})");

  /** What the leader does in a hook (see {@link #step}). */
  public enum Action {
    /** Nothing: the window in progress ran already. */
    NONE,
    /** A schedule the leader has not seen: note the window in progress without running it. */
    BASELINE,
    /** The window in progress has not run: run the job and note the window. */
    RUN
  }

  /**
   * One hook's decision.
   *
   * @param window the window to note (BASELINE, RUN) or the one noted already (NONE)
   * @param nextDue when the next window starts: until then no hook needs to look again
   */
  public record Step(Action action, Instant window, Instant nextDue) {}

  /** The schedule, or empty when the option is "" (off) or invalid (see {@link #problem}). */
  public static Optional<MaintenanceSchedule> parse(String text) {
    return Optional.ofNullable(read(text).schedule);
  }

  /** Why the option's text is not a schedule, or null when it is one or is "" (off). */
  static String problem(String text) {
    return read(text).problem;
  }

  private record Read(MaintenanceSchedule schedule, String problem) {}

  private static Read read(String text) {
    String[] words = (text == null ? "" : text).strip().toLowerCase(Locale.ROOT).split("\\s+");
    if (words.length == 1 && words[0].isEmpty()) {
      return new Read(null, null);
    }
    boolean daily = words[0].equals("daily") && words.length == 2;
    boolean weekly = words[0].equals("weekly") && words.length == 3;
    if (!daily && !weekly) {
      return new Read(null, FORMAT);
    }
    DayOfWeek day = daily ? null : day(words[1]);
    if (weekly && day == null) {
      return new Read(null, DAY);
    }
    LocalTime time = time(words[words.length - 1]);
    return time == null ? new Read(null, TIME) : new Read(new MaintenanceSchedule(day, time), null);
  }

  private static DayOfWeek day(String word) {
    for (DayOfWeek d : DayOfWeek.values()) {
      String name = d.name().toLowerCase(Locale.ROOT);
      if (word.equals(name) || word.equals(name.substring(0, 3))) {
        return d;
      }
    }
    return null;
  }

  private static LocalTime time(String word) {
    Matcher m = HH_MM.matcher(word);
    if (!m.matches()) {
      return null;
    }
    int hour = Integer.parseInt(m.group(1));
    int minute = Integer.parseInt(m.group(2));
    return hour < 24 && minute < 60 ? LocalTime.of(hour, minute) : null;
  }

  /** From one scheduled time to the next. */
  public Duration period() {
    return day == null ? Duration.ofDays(1) : Duration.ofDays(7);
  }

  /** The start of the window {@code now} is in: the latest scheduled time at or before it. */
  public Instant windowStart(Instant now) {
    LocalDateTime at = LocalDateTime.ofInstant(now, ZoneOffset.UTC);
    LocalDateTime start = at.toLocalDate().atTime(time);
    if (day != null) {
      start = start.with(TemporalAdjusters.previousOrSame(day));
    }
    Instant instant = start.toInstant(ZoneOffset.UTC);
    return instant.isAfter(now) ? instant.minus(period()) : instant;
  }

  /** The first scheduled time after {@code t}. */
  public Instant nextAfter(Instant t) {
    return windowStart(t).plus(period());
  }

  /**
   * What the leader does now, from what it noted last: the schedule (its {@link #toString}) and
   * the window it ran or started from; null for nothing noted. A window is run once however many
   * windows passed since the noted one (no hook ran for days: one run, not one per window).
   */
  public Step step(String notedSchedule, Instant notedWindow, Instant now) {
    Instant window = windowStart(now);
    Instant next = window.plus(period());
    if (notedWindow == null || !toString().equals(notedSchedule)) {
      return new Step(Action.BASELINE, window, next);
    }
    return notedWindow.isBefore(window) ? new Step(Action.RUN, window, next) : new Step(Action.NONE, notedWindow, next);
  }

  /** "2026-12-07 03:00 UTC". */
  public static String describe(Instant instant) {
    LocalDateTime at = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    return String.format(Locale.ROOT, "%s %02d:%02d UTC", at.toLocalDate(), at.getHour(), at.getMinute());
  }

  /** The canonical text: "daily 03:00", "weekly monday 03:00". */
  @Override
  public String toString() {
    String hhmm = String.format(Locale.ROOT, "%02d:%02d", time.getHour(), time.getMinute());
    return day == null ? "daily " + hhmm : "weekly " + day.name().toLowerCase(Locale.ROOT) + " " + hhmm;
  }
}
