package charm.workload;

import charm.registry.ContainerSpec;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The Docker seam: the few engine operations the charm needs, by container name. */
public interface RegistryContainer extends AutoCloseable {

  /** Whether the engine answers at all. */
  boolean engineAnswers();

  /** The container with this name, or empty when there is none. */
  Optional<ContainerState> inspect(String name);

  /** Names of the containers labelled as managed by this unit. */
  List<String> managedContainers(String unitName);

  /** Whether the image is present locally (no pull). */
  boolean imagePresent(String image);

  /** Pulls the image, reporting progress lines. */
  void pull(String image, Consumer<String> progress);

  /**
   * Creates the container (labelled with the spec hash) and starts it; returns its id.
   *
   * @throws StartFailure when the engine refuses to start it (for example, a port in use); the
   *     container is removed again, so the next attempt starts from scratch
   */
  String createAndStart(ContainerSpec spec);

  /** Starts an existing container; no-op when it runs or does not exist. */
  void start(String name);

  /** Stops a container; no-op when it is stopped or missing. */
  void stop(String name);

  /** Removes a container (stopping it first); no-op when it is missing. */
  void remove(String name);

  /** Runs a command in a running container and returns its stdout and stderr. */
  String exec(String name, List<String> command);

  @Override
  void close();

  /** The engine would not create or start the container; the message is the engine's reason. */
  final class StartFailure extends RuntimeException {
    public StartFailure(String reason, Throwable cause) {
      super(reason, cause);
    }
  }
}
