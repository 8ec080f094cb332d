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
 * @param status the engine's word for its state ({@code State.Status}: created, running, paused,
 *     restarting, exited, dead), "" when unknown
 * @param paused whether it is paused ({@code docker pause}): running, but frozen
 * @param command its command ({@code Config.Cmd}), the arguments to the image's entrypoint
 * @param env its environment ({@code Config.Env}), the image's variables included
 * @param image the image reference it was created from ({@code Config.Image})
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
    String imageId,
    String status,
    boolean paused,
    List<String> command,
    Map<String, String> env,
    String image) {

  public ContainerState {
    status = status == null ? "" : status;
    image = image == null ? "" : image;
    command = List.copyOf(command);
    env = Map.copyOf(env);
    error = error == null ? "" : error;
    startedAt = startedAt == null ? "" : startedAt;
    finishedAt = finishedAt == null ? "" : finishedAt;
    imageId = imageId == null ? "" : imageId;
    labels = Map.copyOf(labels);
    mounts = List.copyOf(mounts);
  }

  /** What the engine reported before it said more than this (tests, and callers that need no more). */
  public ContainerState(String id, String name, boolean running, boolean restarting, int exitCode, int restartCount, String error,
      String specHash, String startedAt, String finishedAt, Map<String, String> labels, List<MountInfo> mounts, String imageId) {
    this(id, name, running, restarting, exitCode, restartCount, error, specHash, startedAt, finishedAt, labels, mounts, imageId,
        running ? (restarting ? "restarting" : "running") : "exited", false, List.of(), Map.of(), "");
  }

  /** One entry of the container's {@code Mounts}. */
  public record MountInfo(String type, String source, String destination) {}

  /**
   * Created and never started: a hook that created it was interrupted before it started it (a
   * container somebody stopped is "exited").
   */
  public boolean neverStarted() {
    return status.equals("created");
  }

  /** Running, and never restarted by its restart policy: it has not crashed since it started. */
  public boolean runningSteadily() {
    return running && !restarting && !paused && restartCount == 0;
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
