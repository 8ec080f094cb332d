package charm.workload;

import java.util.List;
import java.util.Map;

/**
 * What the Docker engine reports about an existing container.
 *
 * @param restartCount how often the restart policy restarted it (it exited on its own)
 * @param error the engine's reason when it could not start the container ({@code State.Error}),
 *     e.g. a bind-mount source that is missing; {@code ""} otherwise
 * @param specHash the spec-hash label, or null
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
    Map<String, String> labels,
    List<MountInfo> mounts,
    String imageId) {

  public ContainerState {
    error = error == null ? "" : error;
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
   * Not running because the engine failed to start it (after a daemon restart, or a restart
   * policy retry), not because somebody stopped it: {@code docker stop} leaves no error.
   */
  public boolean exitedOnItsOwn() {
    return !running && !restarting && !error.isEmpty();
  }
}
