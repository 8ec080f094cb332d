package charm;

import charm.registry.Secrets;
import charm.workload.ContainerState;
import charm.workload.RegistryContainer;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Follows a container while the charm waits for its registry, so that a wait that fails can say
 * what the container did ({@link NotReady}). The engine reports an exit code only until the
 * restart policy starts the container again (then it reads 0), so every exit seen is kept.
 */
final class ContainerWatch implements BooleanSupplier {
  /** After a failed wait, how long to look for the exit of a container that runs again. */
  static final long SETTLE_MILLIS = 2_000;
  private static final long POLL_MILLIS = 50;

  private final RegistryContainer engine;
  private final String id;
  private final int baselineRestarts;
  private Optional<ContainerState> last = Optional.empty();
  private Optional<ContainerState> exit = Optional.empty();

  /**
   * @param id the container
   * @param baselineRestarts its restart count when the watch begins (0 for a container just
   *     created or started: a start resets the count)
   */
  ContainerWatch(RegistryContainer engine, String id, int baselineRestarts) {
    this.engine = engine;
    this.id = id;
    this.baselineRestarts = baselineRestarts;
  }

  /** Looks once; whether the container still runs without having exited (the probe's keep-waiting test). */
  @Override
  public boolean getAsBoolean() {
    look();
    return last.map(c -> c.running() && !c.restarting() && c.restartCount() == baselineRestarts).orElse(false);
  }

  private void look() {
    last = engine.inspect(id);
    last.filter(ContainerWatch::exited).ifPresent(c -> exit = Optional.of(c));
  }

  /** Exited, or exited and waiting for its restart policy (the engine then still says running). */
  private static boolean exited(ContainerState c) {
    return !c.running() || c.restarting();
  }

  /**
   * Once the wait failed: looks again and, while the container runs and no exit was seen, for up
   * to {@link #SETTLE_MILLIS} more (a container that crashes at start is caught between two runs);
   * then says what it did, quoting its log.
   */
  NotReady diagnose(Secrets secrets) {
    long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000L;
    look();
    while (exit.isEmpty() && last.isPresent() && System.nanoTime() < deadline && pause()) {
      look();
    }
    List<String> logTail = last.isPresent() ? engine.logTail(id, NotReady.LOG_LINES) : List.of();
    return NotReady.of(last, exit, baselineRestarts, logTail, secrets);
  }

  /** Waits between two looks; false when interrupted. */
  private static boolean pause() {
    try {
      Thread.sleep(POLL_MILLIS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
