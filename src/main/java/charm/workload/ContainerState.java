package charm.workload;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the Docker engine reports about an existing container.
 *
 * @param restartCount how often the restart policy restarted it (it exited on its own)
 * @param error the engine's reason when it could not start the container ({@code State.Error}),
 *     e.g. a bind-mount source that is missing; {@code ""} otherwise
 * @param exitCode the code of its last exit ({@code State.ExitCode}); the engine resets it to 0
 *     when it starts the container again
 * @param specHash the spec-hash label, or null
 * @param startedAt when its last run started ({@code State.StartedAt}, RFC 3339), "" when unknown
 * @param finishedAt when its last run ended ({@code State.FinishedAt}), "" when unknown; the
 *     engine's zero time, or a time before {@code startedAt}, while it runs
 * @param labels all labels
 * @param mounts the bind mounts and volumes, as the engine reports them
 * @param imageId the id of the image it runs ({@code sha256:...}), "" when unknown
 */
public record ContainerState(
    String id,
    String name,
    boolean running,
    boolean restarting,
    int exitCode,
    int restartCount,
    String error,
    String specHash,
    String startedAt,
    String finishedAt,
    Map<String, String> labels,
    List<MountInfo> mounts,
    String imageId) {

  public ContainerState {
    error = error == null ? "" : error;
    startedAt = startedAt == null ? "" : startedAt;
    finishedAt = finishedAt == null ? "" : finishedAt;
    imageId = imageId == null ? "" : imageId;
    labels = Map.copyOf(labels);
    mounts = List.copyOf(mounts);
  }

  /** One entry of the container's {@code Mounts}. */
  public record MountInfo(String type, String source, String destination) {}

  /** Running, and never restarted by its restart policy: it has not crashed since it started. */
  public boolean runningSteadily() {
    return running && !restarting && restartCount == 0;
  }

  /**
   * How long its last run lasted, from its start to its exit; empty while it runs (or runs again,
   * after its restart policy restarted it) and when the engine's times do not say.
   */
  public Optional<Duration> lastRun() {
    try {
      Instant start = Instant.parse(startedAt);
      Instant end = Instant.parse(finishedAt);
      return (running && !restarting) || end.isBefore(start) ? Optional.empty() : Optional.of(Duration.between(start, end));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * Not running because the engine failed to start it (after a daemon restart, or a restart
   * policy retry), not because somebody stopped it: {@code docker stop} leaves no error.
   */
  public boolean exitedOnItsOwn() {
    return !running && !restarting && !error.isEmpty();
  }
}
