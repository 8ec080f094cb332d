package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.actions.ActionResult;
import charm.juju.Status;
import charm.registry.MaintenanceSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The leader's side of maintenance-schedule against the recording hook tools: where it notes the
 * windows (the peer relation's application data), what it runs, logs and reports. The schedule's
 * arithmetic is MaintenanceScheduleTest's; the job on the real engine is ScheduledMaintenanceIT's.
 */
class ScheduledMaintenanceTest {
  private static final Status READY = Status.active("Ready at 10.0.0.5:5000 (http).");
  private static final Optional<MaintenanceSchedule> MONDAY = MaintenanceSchedule.parse("weekly monday 03:00");
  /** A Wednesday: the window in progress started on Monday 2026-12-07 03:00. */
  private static final Instant WEDNESDAY = Instant.parse("2026-12-09T12:00:00Z");
  private static final Instant NEXT_MONDAY = Instant.parse("2026-12-14T03:00:00Z");

  private final RecordingHookTools tools = new RecordingHookTools();
  private final List<String> jobs = new ArrayList<>();
  private Supplier<ActionResult> job = () -> {
    jobs.add("run");
    return ActionResult.ok(Map.of("message", "Deleted 2 blobs (1.5 MB); the registry was read-only for 1.2 s", "blobs-marked", "7",
        "bytes-freed", "1500000", "read-only-ms", "1200"));
  };

  private ScheduledMaintenance.Outcome hook(Optional<MaintenanceSchedule> schedule, Instant now) {
    SharedSecret peer = new SharedSecret(tools, "docker-registry");
    peer.read();
    tools.calls.clear();
    tools.logs.clear();
    return new ScheduledMaintenance(tools, peer).after(schedule, READY, job, () -> READY, () -> now);
  }

  private void leaderWithPeerData(Map<String, String> data) {
    tools.leader = true;
    tools.peerApp = new HashMap<>(data);
    tools.peerApp.put("http-secret", "c2VjcmV0");
  }

  @Test
  void withoutAScheduleItAsksJujuNothing() {
    leaderWithPeerData(Map.of());
    ScheduledMaintenance.Outcome o = hook(Optional.empty(), WEDNESDAY);
    assertEquals(List.of(), tools.calls);
    assertEquals(READY, o.status());
    assertNull(o.due());
  }

  @Test
  void aNewScheduleNotesTheWindowInProgressAndRunsAtItsNextTime() {
    leaderWithPeerData(Map.of());
    ScheduledMaintenance.Outcome o = hook(MONDAY, WEDNESDAY);
    assertEquals(List.of(), jobs, "not at once: the window was in progress when the schedule was set");
    assertEquals("weekly monday 03:00", tools.peerApp.get(ScheduledMaintenance.SCHEDULE));
    assertEquals("2026-12-07T03:00:00Z", tools.peerApp.get(ScheduledMaintenance.WINDOW));
    assertEquals(NEXT_MONDAY, o.due());
    assertEquals(READY, o.status());
    assertEquals(List.of("INFO maintenance-schedule weekly monday 03:00: the first run is at 2026-12-14 03:00 UTC"), tools.logs);

    ScheduledMaintenance.Outcome same = hook(MONDAY, WEDNESDAY.plusSeconds(300));
    assertEquals(List.of("is-leader"), tools.calls, "the next full reconcile: nothing to write");
    assertEquals(NEXT_MONDAY, same.due());
  }

  @Test
  void theLeaderRunsADueWindowOnceAndLogsWhatTheJobReports() {
    leaderWithPeerData(Map.of(ScheduledMaintenance.SCHEDULE, "weekly monday 03:00", ScheduledMaintenance.WINDOW, "2026-11-30T03:00:00Z"));
    ScheduledMaintenance.Outcome o = hook(MONDAY, Instant.parse("2026-12-07T03:00:00Z"));
    assertEquals(List.of("run"), jobs);
    assertEquals("2026-12-07T03:00:00Z", tools.peerApp.get(ScheduledMaintenance.WINDOW));
    assertFalse(tools.peerApp.containsKey(ScheduledMaintenance.FAILED), tools.peerApp.toString());
    assertEquals(READY, o.status());
    assertEquals(NEXT_MONDAY, o.due());
    assertEquals("INFO Scheduled maintenance for the window of 2026-12-07 03:00 UTC done: Deleted 2 blobs (1.5 MB); the registry was read-only "
        + "for 1.2 s (blobs-marked=7, bytes-freed=1500000, read-only-ms=1200); next at 2026-12-14 03:00 UTC", tools.logs.get(tools.logs.size() - 1));

    hook(MONDAY, Instant.parse("2026-12-07T03:05:00Z"));
    assertEquals(List.of("run"), jobs, "once per window");
  }

  @Test
  void aFollowerNeverRunsItNorWritesAndHasNothingDue() {
    leaderWithPeerData(Map.of(ScheduledMaintenance.SCHEDULE, "weekly monday 03:00", ScheduledMaintenance.WINDOW, "2026-11-30T03:00:00Z",
        ScheduledMaintenance.FAILED, "2026-11-30 03:00 UTC: it broke"));
    tools.leader = false;
    ScheduledMaintenance.Outcome o = hook(MONDAY, WEDNESDAY);
    assertEquals(List.of(), jobs);
    assertEquals(List.of("is-leader"), tools.calls);
    assertEquals(READY, o.status(), "the leader's failure is the leader's to report");
    assertNull(o.due());
  }

  @Test
  void aFailureIsNotedUntilALaterRunSucceedsAndRetriedOnlyInTheNextWindow() {
    leaderWithPeerData(Map.of(ScheduledMaintenance.SCHEDULE, "weekly monday 03:00", ScheduledMaintenance.WINDOW, "2026-11-30T03:00:00Z"));
    job = () -> {
      jobs.add("run");
      return new ActionResult.Failed("Garbage collection failed: registry garbage-collect exited with 1: permission denied", Map.of("blobs-marked", "0"));
    };
    ScheduledMaintenance.Outcome failed = hook(MONDAY, WEDNESDAY);
    String noted = "Ready at 10.0.0.5:5000 (http). Last maintenance failed at 2026-12-07 03:00 UTC: Garbage collection failed: registry "
        + "garbage-collect exited with 1: permission denied; retried in the next window.";
    assertEquals(Status.active(noted), failed.status());
    assertEquals(NEXT_MONDAY, failed.due());
    assertTrue(tools.logs.get(tools.logs.size() - 1).startsWith("ERROR Scheduled maintenance for the window of 2026-12-07 03:00 UTC failed: "
        + "Garbage collection failed: registry garbage-collect exited with 1: permission denied (blobs-marked=0); retried in the next window, at 2026-12-14 03:00 UTC"),
        tools.logs.toString());

    ScheduledMaintenance.Outcome later = hook(MONDAY, WEDNESDAY.plusSeconds(300));
    assertEquals(List.of("run"), jobs, "not retried in every hook");
    assertEquals(noted, later.status().message(), "still noted");

    job = () -> {
      jobs.add("run");
      return ActionResult.ok(Map.of("message", "Deleted 0 blobs (0 B)"));
    };
    ScheduledMaintenance.Outcome next = hook(MONDAY, NEXT_MONDAY.plusSeconds(60));
    assertEquals(List.of("run", "run"), jobs, "retried in the next window");
    assertEquals(READY, next.status(), "a run that succeeds clears the note");
    assertFalse(tools.peerApp.containsKey(ScheduledMaintenance.FAILED));
  }

  @Test
  void aRunThatDiesWithItsHookIsNotRetriedInEveryHook() {
    leaderWithPeerData(Map.of(ScheduledMaintenance.SCHEDULE, "weekly monday 03:00", ScheduledMaintenance.WINDOW, "2026-11-30T03:00:00Z"));
    job = () -> {
      throw new IllegalStateException("the engine went away");
    };
    // The hook ends here (the dispatcher reports an engine that stopped answering, and exits 0).
    assertThrows(IllegalStateException.class, () -> hook(MONDAY, WEDNESDAY));
    assertEquals("2026-12-07T03:00:00Z", tools.peerApp.get(ScheduledMaintenance.WINDOW), "claimed before the job started");
    assertEquals("2026-12-07 03:00 UTC: the run did not finish", tools.peerApp.get(ScheduledMaintenance.FAILED));
  }

  @Test
  void turningItOffForgetsTheWindowSoThatANewScheduleStartsAfresh() {
    leaderWithPeerData(Map.of(ScheduledMaintenance.SCHEDULE, "weekly monday 03:00", ScheduledMaintenance.WINDOW, "2026-11-30T03:00:00Z",
        ScheduledMaintenance.FAILED, "2026-11-30 03:00 UTC: it broke"));
    assertEquals(READY, hook(Optional.empty(), WEDNESDAY).status());
    assertEquals(Map.of("http-secret", "c2VjcmV0"), tools.peerApp);
    hook(Optional.empty(), WEDNESDAY);
    assertEquals(List.of(), tools.calls, "once forgotten, nothing to ask");
    hook(MONDAY, WEDNESDAY);
    assertEquals(List.of(), jobs, "set again: from its next time");
  }

  @Test
  void aChangedScheduleStartsFromItsWindowInProgress() {
    leaderWithPeerData(Map.of(ScheduledMaintenance.SCHEDULE, "weekly sunday 03:00", ScheduledMaintenance.WINDOW, "2026-11-29T03:00:00Z"));
    ScheduledMaintenance.Outcome o = hook(MaintenanceSchedule.parse("daily 03:00"), WEDNESDAY);
    assertEquals(List.of(), jobs, "not at once although the daily window in progress never ran");
    assertEquals("daily 03:00", tools.peerApp.get(ScheduledMaintenance.SCHEDULE));
    assertEquals(Instant.parse("2026-12-10T03:00:00Z"), o.due());
  }

  @Test
  void withoutAPeerRelationNothingRunsAndEveryHookLooksAgain() {
    tools.leader = true;
    tools.leaderSettings.put("http-secret", "c2VjcmV0");
    ScheduledMaintenance.Outcome o = hook(MONDAY, WEDNESDAY);
    assertEquals(List.of(), jobs);
    assertEquals(WEDNESDAY, o.due(), "a record due at once is never current");
  }

  @Test
  void aLongReasonIsCutInTheStatusOnly() {
    String reason = "x".repeat(500);
    assertEquals(ScheduledMaintenance.MAX_REASON, ScheduledMaintenance.cap(reason).length());
    assertTrue(ScheduledMaintenance.cap(reason).endsWith("…"));
    assertEquals("short", ScheduledMaintenance.cap("short"));
  }
}
