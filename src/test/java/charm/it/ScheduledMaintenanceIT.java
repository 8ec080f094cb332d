package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.ReadyStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import jujusim.HookResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * maintenance-schedule on the real engine, with the packed charm under the simulator: the leader
 * runs the maintenance job (for now garbage-collect, whose read-only switch replaces the
 * container twice) once per window, from the first update-status at or after the scheduled time,
 * which a steady update-status reaches because the ready record is not current from then on; a
 * follower never runs it; a unit that becomes leader does not run again the window already run
 * (the window is noted in the peer relation's application data); a failed run is noted in the
 * status until a run succeeds, and retried only in the next window; an invalid value blocks and
 * the registry keeps serving.
 *
 * <p>The schedule's time is the next minute (at least {@link #LEAD} ahead of the clock), so the
 * test waits for the clock once, up to a minute and a bit. Later windows are made due without
 * waiting a day: the window noted in the peer data is set back by one period, and the record's
 * due instant to the past, which is where the clock would have brought them.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScheduledMaintenanceIT {
  static final Duration LEAD = Duration.ofSeconds(20);
  static final String RAN = "Scheduled maintenance for the window of ";
  static final String WINDOW = "maintenance-window";

  SimUnit unit;
  int peer;
  String image;
  /** The time of the daily schedule, and that schedule. */
  Instant time;
  String schedule;

  @BeforeAll
  void deploy() throws IOException {
    unit = SimUnit.deploy("it-sched");
    unit.countHookTools();
    peer = unit.sim.peerRelationId("peer");
    assertTrue(peer >= 0, "the peer relation");
    // registry 2.8's collector fails on a registry nothing was ever pushed to (no repositories).
    image = TestImages.tiny(unit.work, unit.netloc() + "/it/sched:1");
    TestImages.push(image);
  }

  @AfterAll
  void remove() {
    try {
      Cmd.run("docker", "rmi", image);
    } finally {
      unit.close();
    }
  }

  @Test
  @Order(1)
  void anInvalidScheduleBlocksNamingTheOptionAndTheRegistryKeepsServing() throws IOException {
    String container = SimUnit.idAndStart(unit.name);
    for (String[] bad : new String[][] {
        {"weekly funday 03:00", "the day must be monday to sunday (or mon to sun)"},
        {"daily 24:00", "the time must be HH:MM from 00:00 to 23:59 (UTC)"},
        {"every night", "must be daily HH:MM or weekly DAY HH:MM (UTC), e.g. weekly sunday 03:00"}}) {
      unit.config(Map.of("maintenance-schedule", bad[0]), List.of());
      assertEquals("blocked", unit.status().status);
      assertEquals("Invalid charm config: maintenance-schedule (" + bad[1] + ")", unit.status().message);
      assertEquals(200, Http.status("http://" + unit.netloc() + "/v2/"), "the registry keeps serving");
      assertEquals(container, SimUnit.idAndStart(unit.name), "and is not touched");
      assertFalse(Files.exists(recordFile()), "blocked: no record");
    }
    assertTrue(unit.sim.logs(SimUnit.UNIT).stream().noneMatch(l -> l.message.contains("Exception") || l.message.contains("\tat ")), "no stack trace");
    unit.config(Map.of(), List.of("maintenance-schedule"));
    unit.assertActive();
    assertEquals(container, SimUnit.idAndStart(unit.name));
  }

  @Test
  @Order(2)
  void theLeaderRunsTheJobOnceFromTheFirstUpdateStatusAtOrAfterTheTime() throws IOException {
    time = Instant.now().plus(LEAD).truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    LocalDateTime utc = LocalDateTime.ofInstant(time, ZoneOffset.UTC);
    schedule = String.format("daily %02d:%02d", utc.getHour(), utc.getMinute());
    String container = SimUnit.idAndStart(unit.name);

    unit.config(Map.of("maintenance-schedule", schedule), List.of());
    unit.assertActive();
    assertEquals(0, runs(), "a new schedule does not run the window in progress");
    assertEquals(time.minus(Duration.ofDays(1)).toString(), peerData().get(WINDOW), "noted where a new leader sees it");
    assertEquals(schedule, peerData().get("maintenance-schedule"));
    assertTrue(record().contains("\"due\":" + time.getEpochSecond()), record());
    assertTrue(Instant.now().isBefore(time), "the test took too long to set up; the steady check below needs the time ahead");
    assertEquals(List.of("status-set"), unit.hookTools("update-status"), "before the time: the steady path, one hook tool");

    Poll.until(LEAD.plus(Duration.ofMinutes(2)), () -> !Instant.now().isBefore(time), () -> "the clock did not reach " + time);
    List<String> tools = unit.hookTools("update-status");
    assertTrue(tools.containsAll(List.of("config-get", "is-leader", "relation-set")), "the full path, as leader: " + tools);
    assertEquals(1, runs(), logs());
    String line = lastRun();
    assertTrue(line.startsWith(RAN + describe(time) + " done: Deleted "), line);
    assertTrue(line.contains("; the registry was read-only for ") && line.contains("blobs-marked=") && line.contains("read-only-ms="), line);
    assertNotEquals(container, SimUnit.idAndStart(unit.name), "the read-only switch replaced the container");
    assertTrue(unit.sim.statusHistory(SimUnit.UNIT).stream().anyMatch(s -> s.message.equals("Garbage collection running; the registry is read-only")));
    unit.assertActive();
    assertEquals("Ready at " + unit.netloc() + " (http).", unit.status().message);
    assertTrue(Files.readString(unit.configFile()).contains("readonly:\n      enabled: false"), "read-write again");
    assertEquals(time.toString(), peerData().get(WINDOW));
    assertTrue(record().contains("\"due\":" + time.plus(Duration.ofDays(1)).getEpochSecond()), record());

    String after = SimUnit.idAndStart(unit.name);
    assertEquals(List.of("status-set"), unit.hookTools("update-status"), "the steady path again");
    assertEquals(1, runs(), "once per window");
    assertEquals(after, SimUnit.idAndStart(unit.name));
  }

  @Test
  @Order(3)
  void aUnitThatBecomesLeaderDoesNotRunTheWindowAgain() throws IOException {
    String container = SimUnit.idAndStart(unit.name);
    unit.sim.model().units.get(SimUnit.UNIT).leader = false;
    List<HookResult> elected = unit.sim.setLeader(SimUnit.UNIT);
    assertEquals(List.of("leader-elected"), elected.stream().map(HookResult::hook).toList());
    elected.forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    assertEquals(1, runs(), "the window is noted in the peer data, which every leader reads");
    assertEquals(container, SimUnit.idAndStart(unit.name));
    unit.assertActive();
    assertTrue(record().contains("\"due\":" + time.plus(Duration.ofDays(1)).getEpochSecond()), "the new leader's record: " + record());
    assertEquals(List.of("status-set"), unit.hookTools("update-status"));
  }

  @Test
  @Order(4)
  void aFollowerNeverRunsADueWindow() throws IOException {
    String container = SimUnit.idAndStart(unit.name);
    unit.sim.model().units.get(SimUnit.UNIT).leader = false;
    makeDue();
    List<String> tools = unit.hookTools("update-status");
    assertTrue(tools.contains("is-leader") && !tools.contains("relation-set"), tools.toString());
    assertEquals(1, runs(), "a follower does not run it");
    assertEquals(container, SimUnit.idAndStart(unit.name));
    unit.assertActive();
    assertTrue(record().contains("\"due\":null"), "nothing due on a follower: " + record());
    assertEquals(List.of("status-set"), unit.hookTools("update-status"));
    List<String> settings = unit.hookTools("leader-settings-changed");
    assertTrue(settings.containsAll(List.of("config-get", "is-leader")), "a follower's leadership hook reconciles in full: " + settings);
    assertEquals(1, runs());

    // Leadership comes back: leader-elected runs the full reconcile, and the window was due.
    unit.sim.setLeader(SimUnit.UNIT).forEach(h -> assertEquals(0, h.exitCode(), h.stderr()));
    assertEquals(2, runs(), logs());
    assertNotEquals(container, SimUnit.idAndStart(unit.name));
    unit.assertActive();
  }

  @Test
  @Order(5)
  void aFailedRunIsNotedInTheStatusUntilARunSucceedsAndRetriedInTheNextWindowOnly() throws IOException {
    // Root in the registry's container has no capability: it cannot read a directory with mode 000.
    Path broken = Files.createDirectories(unit.root.resolve("srv/registry/docker/registry/v2/repositories/" + unit.name + "-broken"));
    Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("---------"));
    try {
      makeDue();
      unit.hookTools("update-status");
      assertEquals(3, runs(), logs());
      String line = lastRun();
      assertTrue(line.startsWith(RAN + describe(time) + " failed: Garbage collection failed: could not list what the registry stores: "
          + "registry garbage-collect exited with 1: failed to mark"), line);
      assertTrue(line.contains("; retried in the next window, at " + describe(time.plus(Duration.ofDays(1)))), line);
      unit.assertActive();
      String message = unit.status().message;
      assertTrue(message.startsWith("Ready at " + unit.netloc() + " (http). Last maintenance failed at " + describe(time)
          + ": Garbage collection failed: could not list what the registry stores: registry garbage-collect exited with 1: failed to mark: "), message);
      assertTrue(message.endsWith("permission denied; nothing was changed; retried in the next window."), message);

      assertEquals(List.of("status-set"), unit.hookTools("update-status"), "not retried in every hook: the steady path");
      assertEquals(message, unit.status().message, "and still noted");
      assertEquals(3, runs());
    } finally {
      Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.delete(broken);
    }
    makeDue();
    unit.hookTools("update-status");
    assertEquals(4, runs(), logs());
    assertTrue(lastRun().startsWith(RAN + describe(time) + " done: "), lastRun());
    unit.assertActive();
    assertEquals("Ready at " + unit.netloc() + " (http).", unit.status().message, "a run that succeeds clears the note");
  }

  /**
   * Where the clock would be one period later: the window in progress not yet run (the noted one
   * set back a day) and the record's next window reached.
   */
  private void makeDue() throws IOException {
    unit.sim.relation(peer).localAppData.put(WINDOW, time.minus(Duration.ofDays(1)).toString());
    String record = record();
    Files.writeString(recordFile(), record.replaceFirst("\"due\":[0-9]+", "\"due\":" + (Instant.now().getEpochSecond() - 1)));
  }

  private long runs() {
    return unit.sim.logs(SimUnit.UNIT).stream().filter(l -> l.message.startsWith(RAN)).count();
  }

  private String lastRun() {
    List<String> lines = unit.sim.logs(SimUnit.UNIT).stream().map(l -> l.message).filter(m -> m.startsWith(RAN)).toList();
    return lines.get(lines.size() - 1);
  }

  private String logs() {
    return String.join("\n", unit.sim.logs(SimUnit.UNIT).stream().map(Object::toString).toList());
  }

  private Map<String, String> peerData() {
    return unit.sim.localAppData(peer);
  }

  private Path recordFile() {
    return unit.sim.unitDir(SimUnit.UNIT).resolve("charm").resolve(ReadyStore.FILE);
  }

  private String record() throws IOException {
    return Files.exists(recordFile()) ? Files.readString(recordFile()) : "";
  }

  private static String describe(Instant instant) {
    LocalDateTime utc = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    return String.format("%s %02d:%02d UTC", utc.toLocalDate(), utc.getHour(), utc.getMinute());
  }
}
