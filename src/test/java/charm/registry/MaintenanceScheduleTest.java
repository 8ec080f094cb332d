package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.MaintenanceSchedule.Action;
import charm.registry.MaintenanceSchedule.Step;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MaintenanceScheduleTest {
  private static final MaintenanceSchedule DAILY = schedule("daily 03:00");
  /** 2026-12-07 is a Monday. */
  private static final MaintenanceSchedule MONDAY = schedule("weekly monday 03:00");

  private static MaintenanceSchedule schedule(String text) {
    return MaintenanceSchedule.parse(text).orElseThrow(() -> new AssertionError("not a schedule: " + text));
  }

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "daily 03:00            | daily 03:00",
      "DAILY 3:05             | daily 03:05",
      "'  daily   23:59  '    | daily 23:59",
      "daily 00:00            | daily 00:00",
      "weekly monday 03:00    | weekly monday 03:00",
      "Weekly SUN 4:30        | weekly sunday 04:30",
      "weekly thu 12:00       | weekly thursday 12:00",
      "weekly Saturday 00:01  | weekly saturday 00:01",
      "'weekly\tfri\t07:15'   | weekly friday 07:15"})
  void parsesDailyAndWeeklyInAnyCaseToOneCanonicalText(String text, String canonical) {
    assertEquals(canonical, schedule(text).toString());
    assertNull(MaintenanceSchedule.problem(text));
    assertEquals(schedule(canonical), schedule(text), "the canonical text reads back as the same schedule");
  }

  @Test
  void allSevenDaysByNameAndAbbreviation() {
    String[] names = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
    for (int i = 0; i < 7; i++) {
      assertEquals(DayOfWeek.of(i + 1), schedule("weekly " + names[i] + " 01:00").day());
      assertEquals(DayOfWeek.of(i + 1), schedule("weekly " + names[i].substring(0, 3) + " 01:00").day());
    }
    assertNull(DAILY.day());
    assertEquals(LocalTime.of(3, 0), DAILY.time());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void emptyIsOffAndNoProblem(String text) {
    assertEquals(Optional.empty(), MaintenanceSchedule.parse(text));
    assertNull(MaintenanceSchedule.problem(text));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "daily                    | FORMAT",
      "03:00                    | FORMAT",
      "hourly 03:00             | FORMAT",
      "daily 03:00 monday       | FORMAT",
      "weekly 03:00             | FORMAT",
      "weekly monday            | FORMAT",
      "monday 03:00             | FORMAT",
      "weekly monday 03:00 utc  | FORMAT",
      "daily03:00               | FORMAT",
      "weekly funday 03:00      | DAY",
      "weekly mo 03:00          | DAY",
      "weekly tues 03:00        | DAY",
      "weekly 1 03:00           | DAY",
      "daily 24:00              | TIME",
      "daily 23:60              | TIME",
      "daily 3                  | TIME",
      "daily 3:5                | TIME",
      "daily 003:00             | TIME",
      "daily 03:00:00           | TIME",
      "daily -1:00              | TIME",
      "daily 03h00              | TIME",
      "weekly sunday 25:00      | TIME"})
  void anythingElseIsAProblemThatSaysWhyWithoutTheValue(String text, String which) {
    String expected = switch (which) {
      case "FORMAT" -> MaintenanceSchedule.FORMAT;
      case "DAY" -> MaintenanceSchedule.DAY;
      default -> MaintenanceSchedule.TIME;
    };
    assertEquals(expected, MaintenanceSchedule.problem(text));
    assertEquals(Optional.empty(), MaintenanceSchedule.parse(text));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // now                  | window start          | next after now
      "2026-12-07T03:00:00Z   | 2026-12-07T03:00:00Z  | 2026-12-08T03:00:00Z",  // exactly at the time
      "2026-12-07T02:59:59Z   | 2026-12-06T03:00:00Z  | 2026-12-07T03:00:00Z",  // a second before
      "2026-12-07T03:00:00.5Z | 2026-12-07T03:00:00Z  | 2026-12-08T03:00:00Z",
      "2026-12-07T23:59:59Z   | 2026-12-07T03:00:00Z  | 2026-12-08T03:00:00Z",
      "2026-12-01T01:00:00Z   | 2026-11-30T03:00:00Z  | 2026-12-01T03:00:00Z",  // month boundary
      "2026-12-31T04:00:00Z   | 2026-12-31T03:00:00Z  | 2027-01-01T03:00:00Z",  // year boundary
      "2027-01-01T02:00:00Z   | 2026-12-31T03:00:00Z  | 2027-01-01T03:00:00Z",
      "2028-02-29T03:30:00Z   | 2028-02-29T03:00:00Z  | 2028-03-01T03:00:00Z",  // leap day
      "2026-03-29T02:30:00Z   | 2026-03-28T03:00:00Z  | 2026-03-29T03:00:00Z"}) // the EU's DST night: UTC has none
  void dailyWindows(String now, String start, String next) {
    assertEquals(at(start), DAILY.windowStart(at(now)));
    assertEquals(at(next), DAILY.nextAfter(at(now)));
    assertEquals(Duration.ofDays(1), DAILY.period());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // now (2026-12-07 is a Monday) | window start         | next after now
      "2026-12-07T03:00:00Z   | 2026-12-07T03:00:00Z  | 2026-12-14T03:00:00Z",  // exactly at the time
      "2026-12-07T02:59:00Z   | 2026-11-30T03:00:00Z  | 2026-12-07T03:00:00Z",  // the Monday, before the time
      "2026-12-06T23:00:00Z   | 2026-11-30T03:00:00Z  | 2026-12-07T03:00:00Z",  // Sunday
      "2026-12-09T12:00:00Z   | 2026-12-07T03:00:00Z  | 2026-12-14T03:00:00Z",  // Wednesday
      "2026-12-30T00:00:00Z   | 2026-12-28T03:00:00Z  | 2027-01-04T03:00:00Z",  // across the new year
      "2027-01-02T00:00:00Z   | 2026-12-28T03:00:00Z  | 2027-01-04T03:00:00Z",
      "2026-03-01T10:00:00Z   | 2026-02-23T03:00:00Z  | 2026-03-02T03:00:00Z"}) // across the end of February
  void weeklyWindows(String now, String start, String next) {
    assertEquals(at(start), MONDAY.windowStart(at(now)));
    assertEquals(at(next), MONDAY.nextAfter(at(now)));
    assertEquals(Duration.ofDays(7), MONDAY.period());
    assertEquals(DayOfWeek.MONDAY, MONDAY.windowStart(at(now)).atZone(java.time.ZoneOffset.UTC).getDayOfWeek());
  }

  @Test
  void aWindowStartIsAlwaysAtOrBeforeNowAndTheNextAfterIt() {
    Instant t = at("2026-01-01T00:00:00Z");
    for (MaintenanceSchedule s : new MaintenanceSchedule[] {DAILY, MONDAY, schedule("weekly sun 23:59"), schedule("daily 00:00")}) {
      for (int i = 0; i < 24 * 60; i++) {
        Instant now = t.plus(Duration.ofMinutes(i * 7L));
        Instant start = s.windowStart(now);
        assertTrue(!start.isAfter(now) && start.plus(s.period()).isAfter(now), s + " at " + now + ": " + start);
        assertEquals(start.plus(s.period()), s.nextAfter(now));
      }
    }
  }

  @Test
  void aNewScheduleStartsFromTheWindowInProgressWithoutRunningIt() {
    Instant now = at("2026-12-09T12:00:00Z");
    Step first = MONDAY.step(null, null, now);
    assertEquals(new Step(Action.BASELINE, at("2026-12-07T03:00:00Z"), at("2026-12-14T03:00:00Z")), first);
    Step changed = MONDAY.step("daily 03:00", at("2026-12-09T03:00:00Z"), now);
    assertEquals(Action.BASELINE, changed.action(), "another schedule's window does not count");
    assertEquals(at("2026-12-14T03:00:00Z"), changed.nextDue());
  }

  @Test
  void theFirstHookAtOrAfterTheTimeRunsTheWindowOnceThenNothingUntilTheNext() {
    String noted = DAILY.toString();
    Instant baseline = at("2026-12-06T03:00:00Z");
    assertEquals(new Step(Action.NONE, baseline, at("2026-12-07T03:00:00Z")), DAILY.step(noted, baseline, at("2026-12-07T02:59:59Z")));
    Step run = DAILY.step(noted, baseline, at("2026-12-07T03:00:00Z"));
    assertEquals(new Step(Action.RUN, at("2026-12-07T03:00:00Z"), at("2026-12-08T03:00:00Z")), run, "a hook exactly at the time runs it");
    assertEquals(Action.RUN, DAILY.step(noted, baseline, at("2026-12-07T03:04:59Z")).action(), "so does the next update-status");
    for (String later : new String[] {"2026-12-07T03:05:00Z", "2026-12-07T14:00:00Z", "2026-12-08T02:59:59Z"}) {
      assertEquals(new Step(Action.NONE, run.window(), at("2026-12-08T03:00:00Z")), DAILY.step(noted, run.window(), at(later)), later);
    }
    assertEquals(Action.RUN, DAILY.step(noted, run.window(), at("2026-12-08T03:00:00Z")).action(), "the next window");
  }

  @Test
  void windowsMissedForDaysRunOnceNotOncePerWindow() {
    String noted = MONDAY.toString();
    Instant last = at("2026-11-02T03:00:00Z");
    Instant now = at("2026-12-09T12:00:00Z"); // five Mondays later, no hook ran in between
    Step run = MONDAY.step(noted, last, now);
    assertEquals(new Step(Action.RUN, at("2026-12-07T03:00:00Z"), at("2026-12-14T03:00:00Z")), run);
    assertEquals(Action.NONE, MONDAY.step(noted, run.window(), now.plusSeconds(300)).action(), "the next hook: nothing more");
  }

  @Test
  void aWindowNotedAheadOfTheClockRunsNothing() {
    // The clock was set back after the run: nothing runs until the clock passes the next time.
    Step step = DAILY.step(DAILY.toString(), at("2026-12-08T03:00:00Z"), at("2026-12-07T12:00:00Z"));
    assertEquals(Action.NONE, step.action());
    assertEquals(at("2026-12-08T03:00:00Z"), step.window());
  }

  @Test
  void describesInstantsInUtcToTheMinute() {
    assertEquals("2026-12-07 03:00 UTC", MaintenanceSchedule.describe(at("2026-12-07T03:00:00Z")));
    assertEquals("2027-01-01 00:05 UTC", MaintenanceSchedule.describe(at("2027-01-01T00:05:59Z")));
  }
}
