package charm.workload;

import charm.registry.ContainerSpec;
import charm.registry.Owner;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The Docker seam: the few engine operations the charm needs. Containers are named by name or
 * id. Nothing here decides whether a container may be touched: callers check ownership first
 * ({@link Owner#owns}). No operation ever removes a container's volumes.
 */
public interface RegistryContainer extends AutoCloseable {

  /** Whether the engine answers at all. */
  boolean engineAnswers();

  /** The container with this name or id, or empty when there is none. */
  Optional<ContainerState> inspect(String nameOrId);

  /** Names of the containers labelled as this owner's (all states). */
  List<String> managedContainers(Owner owner);

  /** Whether the image is present locally (no pull). */
  default boolean imagePresent(String image) {
    return imageId(image).isPresent();
  }

  /** The id ({@code sha256:...}) of the local image a reference names, empty when absent. */
  Optional<String> imageId(String image);

  /** Pulls the image, reporting progress lines. */
  void pull(String image, Consumer<String> progress);

  /**
   * Loads images from a {@code docker save} tarball (plain or compressed), reporting progress
   * lines; returns the engine's "Loaded image" lines.
   *
   * @throws StartFailure when the engine refuses the tarball, with its reason
   */
  List<String> load(java.nio.file.Path tarball, Consumer<String> progress);

  /**
   * Creates the container (labelled with the owner and the spec hash) without starting it;
   * bind-mount sources must exist. Returns its id.
   *
   * @throws StartFailure when the engine refuses (for example, the name is taken)
   */
  String create(ContainerSpec spec);

  /**
   * Starts a container; no-op when it already runs.
   *
   * @return false when there is no such container
   * @throws StartFailure when the engine will not start it (for example, a port in use)
   */
  boolean start(String nameOrId);

  /** Stops a container, killing it after {@code timeoutSeconds}; no-op when stopped or missing. */
  void stop(String nameOrId, int timeoutSeconds);

  /** Renames a container. */
  void rename(String nameOrId, String newName);

  /** Removes a container (stopping it first), never its volumes; no-op when it is missing. */
  void remove(String nameOrId);

  /**
   * The last {@code lines} lines the container wrote to stdout and stderr, oldest first, as the
   * engine keeps them (its log driver); empty when there are none or the engine cannot tell.
   * One GET: cheap enough for a failure path, bounded by {@code lines}.
   */
  List<String> logTail(String nameOrId, int lines);

  /**
   * The lines the container wrote to stdout and stderr at or after {@code since} (Unix seconds,
   * with a fraction: "1700000000.123456789"), each prefixed with the engine's RFC 3339 time and a
   * space, oldest first, at most the last {@code lines} of them; empty when the engine keeps none.
   */
  default List<String> logSince(String nameOrId, String since, int lines) {
    return List.of();
  }

  /** Runs a command in a running container and returns its stdout and stderr. */
  String exec(String nameOrId, List<String> command);

  /**
   * Runs a command in a running container and waits at most {@code timeout} for it to end; each
   * line it writes goes to {@code lines} as it comes.
   *
   * @return the command's exit code
   * @throws IllegalStateException when it did not end in time (it may still run: stopping the
   *     container ends it)
   */
  int exec(String nameOrId, List<String> command, Duration timeout, OutputLines lines);

  /** Receives the lines a command writes, with the stream they came from. */
  @FunctionalInterface
  interface OutputLines {
    void line(boolean stderr, String text);
  }

  @Override
  void close();

  /** The engine would not create or start the container; the message is the engine's reason. */
  final class StartFailure extends RuntimeException {
    public StartFailure(String reason, Throwable cause) {
      super(reason, cause);
    }
  }
}
