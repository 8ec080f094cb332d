package charm;

import charm.actions.ActionResult;
import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.Status;
import charm.registry.MaintenanceSchedule;
import charm.registry.MaintenanceSchedule.Step;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The maintenance-schedule option: the leader runs the maintenance job once per window
 * ({@link MaintenanceSchedule}), from a hook that would end with the unit ready, and notes each
 * window where every unit sees it, so that a unit that becomes leader does not run a window the
 * previous leader ran. Followers never run it.
 *
 * <p>What the leader noted lives in the peer relation's application data (written with {@code
 * relation-set --app --file -}, as the http secret is): unlike unit state or a file on the unit,
 * it survives a change of leader, and only the leader can write it.
 *
 * <ul>
 *   <li>{@value #SCHEDULE}: the schedule the window below belongs to. A schedule that differs (a
 *       new one, or a changed one) starts from the window in progress, without running it.
 *   <li>{@value #WINDOW}: the start of the last window run, or of the one in progress when the
 *       leader first saw the schedule (ISO-8601, UTC).
 *   <li>{@value #FAILED}: "2026-12-07 03:00 UTC: why", while the last run failed; absent once a
 *       run succeeds. A window is noted before its job starts, so a run cut short in a hook that
 *       still exits 0 (the engine stopped answering: the dispatcher reports waiting) is not retried
 *       in every hook either, but in the next window. A hook that fails commits no relation data:
 *       Juju's retry of it runs the job again.
 * </ul>
 */
final class ScheduledMaintenance {
  static final String SCHEDULE = "maintenance-schedule";
  static final String WINDOW = "maintenance-window";
  static final String FAILED = "maintenance-failed";
  /** The status message carries this much of a failure's reason; the log has all of it. */
  static final int MAX_REASON = 300;
  private static final List<String> KEYS = List.of(SCHEDULE, WINDOW, FAILED);

  /**
   * The status to report and when the next window starts: until then a steady hook need not
   * look (null: none to come on this unit).
   */
  record Outcome(Status status, Instant due) {}

  private final HookTools tools;
  private final SharedSecret peer;

  ScheduledMaintenance(HookTools tools, SharedSecret peer) {
    this.tools = tools;
    this.peer = peer;
  }

  /**
   * At the end of a full reconcile that found the unit ready: runs the job on the leader when its
   * window is due. Without a schedule and nothing noted, it asks Juju nothing.
   *
   * @param ready the status the hook would end with (active)
   * @param job the maintenance job
   * @param recheck the unit's status after the job (which may have replaced the container)
   */
  Outcome after(Optional<MaintenanceSchedule> schedule, Status ready, Supplier<ActionResult> job, Supplier<Status> recheck) {
    return after(schedule, ready, job, recheck, Instant::now);
  }

  /** {@link #after} on a given clock (read only once a schedule is set on the leader). */
  Outcome after(Optional<MaintenanceSchedule> schedule, Status ready, Supplier<ActionResult> job, Supplier<Status> recheck,
      Supplier<Instant> clock) {
    Map<String, String> noted = peer.peerAppData();
    String relation = peer.peerRelation();
    if (schedule.isEmpty()) {
      if (relation != null && KEYS.stream().anyMatch(noted::containsKey) && tools.isLeader()) {
        write(relation, Map.of(SCHEDULE, "", WINDOW, "", FAILED, ""));
        tools.log(LogLevel.INFO, "maintenance-schedule is off: the last maintenance window is forgotten");
      }
      return new Outcome(ready, null);
    }
    if (!tools.isLeader()) {
      return new Outcome(ready, null);
    }
    Instant now = clock.get();
    if (relation == null) {
      return new Outcome(ready, now); // nowhere to note a window yet: nothing runs, every hook looks again
    }
    MaintenanceSchedule s = schedule.get();
    Step step = s.step(noted.get(SCHEDULE), instant(noted.get(WINDOW)), now);
    String failed = noted.getOrDefault(FAILED, "");
    switch (step.action()) {
      case NONE -> {
        return new Outcome(withNote(ready, failed), step.nextDue());
      }
      case BASELINE -> {
        write(relation, Map.of(SCHEDULE, s.toString(), WINDOW, step.window().toString()));
        tools.log(LogLevel.INFO, "maintenance-schedule " + s + ": the first run is at " + MaintenanceSchedule.describe(step.nextDue()));
        return new Outcome(withNote(ready, failed), step.nextDue());
      }
      default -> {
        return run(s, step, relation, job, recheck);
      }
    }
  }

  private Outcome run(MaintenanceSchedule s, Step step, String relation, Supplier<ActionResult> job, Supplier<Status> recheck) {
    String window = MaintenanceSchedule.describe(step.window());
    write(relation, Map.of(SCHEDULE, s.toString(), WINDOW, step.window().toString(), FAILED, window + ": the run did not finish"));
    tools.log(LogLevel.INFO, "Scheduled maintenance (" + s + ") for the window of " + window + " starts");
    ActionResult result = job.get();
    Status after = recheck.get();
    String reported = report(result.results());
    String failed = "";
    if (result instanceof ActionResult.Failed f) {
      failed = window + ": " + cap(f.message());
      tools.log(LogLevel.ERROR, "Scheduled maintenance for the window of " + window + " failed: " + f.message() + reported
          + "; retried in the next window, at " + MaintenanceSchedule.describe(step.nextDue()));
    } else {
      tools.log(LogLevel.INFO, "Scheduled maintenance for the window of " + window + " done: " + result.results().getOrDefault("message", "") + reported
          + "; next at " + MaintenanceSchedule.describe(step.nextDue()));
    }
    write(relation, Map.of(FAILED, failed));
    return new Outcome(after.kind() == Status.Kind.ACTIVE ? withNote(after, failed) : after, step.nextDue());
  }

  /** The ready status with the last failure, while there is one. */
  static Status withNote(Status ready, String failed) {
    if (failed.isEmpty()) {
      return ready;
    }
    return Status.active(ready.message() + " Last maintenance failed at " + failed + "; retried in the next window.");
  }

  /** " (key=value, ...)" of what the job reports besides its message, or "". */
  static String report(Map<String, String> results) {
    String pairs = results.entrySet().stream()
        .filter(e -> !e.getKey().equals("message"))
        .sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
    return pairs.isEmpty() ? "" : " (" + pairs + ")";
  }

  static String cap(String reason) {
    return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON - 1) + "…";
  }

  private void write(String relation, Map<String, String> data) {
    tools.relationSetApp(relation, new HashMap<>(data));
  }

  /** A noted window; null when there is none or it is not an instant (the leader notes a new one). */
  private static Instant instant(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
