package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The length of a container's last run, from the engine's times as {@code docker inspect} reports them. */
class ContainerStateTest {
  static ContainerState state(boolean running, boolean restarting, String startedAt, String finishedAt) {
    return new ContainerState("id", "reg", running, restarting, 1, 1, "", null, startedAt, finishedAt, Map.of(), List.of(), null);
  }

  @Test
  void anExitedOrRestartingContainerRanFromItsStartToItsEnd() {
    Duration run = Duration.ofNanos(144_314_063);
    assertEquals(Optional.of(run), state(false, false, "2026-12-07T13:40:11.837691659Z", "2026-12-07T13:40:11.982005722Z").lastRun());
    assertEquals(Optional.of(run), state(true, true, "2026-12-07T13:40:11.837691659Z", "2026-12-07T13:40:11.982005722Z").lastRun(),
        "waiting for its restart, the engine still says running");
  }

  @Test
  void aRunningContainerOrUnknownTimesHaveNoLastRun() {
    assertEquals(Optional.empty(), state(true, false, "2026-12-07T13:40:12.877544495Z", "2026-12-07T13:40:11.982005722Z").lastRun(),
        "running again after a restart: the end is the previous run's");
    assertEquals(Optional.empty(), state(true, false, "2026-12-07T13:40:12Z", "0001-01-01T00:00:00Z").lastRun());
    assertEquals(Optional.empty(), state(false, false, "", "").lastRun());
    assertEquals(Optional.empty(), state(false, false, null, null).lastRun());
  }
}
