package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.Status;
import charm.registry.ConfigYaml;
import charm.registry.ContainerSpec;
import charm.registry.Owner;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.workload.ContainerState;
import charm.workload.HostFiles;
import charm.workload.RegistryContainer;
import charm.workload.RegistryProbe;
import charm.workload.RegistryContainer.StartFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Makes the engine run the planned registry container, under three rules:
 *
 * <ul>
 *   <li>Touch only what is ours: a container is ours when its labels name this unit, application
 *       and model ({@link Owner}). The one exception is the container the previous (reactive)
 *       charm left under {@code registry-name}, recognised by its mounts ({@link #adoptable}).
 *   <li>Never worse than before the hook: a changed container is replaced so that a failed start
 *       puts the previous one back (rename it aside, create the new one, stop the old, start the
 *       new, and remove the old only once the new registry answers).
 *   <li>Report the truth: a container the engine failed to start on its own is started again
 *       after the files were repaired; one that somebody stopped stays stopped and says so; one
 *       whose registry does not come up says what it did, exited or kept silent ({@link NotReady}).
 * </ul>
 */
final class ContainerReconciler {
  /** Suffix of the previous container while it is replaced; a crash mid-way leaves it behind. */
  static final String PREVIOUS = "-previous";
  /** The registry should answer this soon after its container starts. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  /** The old registry exits at once on SIGTERM; kill it if it does not. */
  private static final int STOP_TIMEOUT_SECONDS = 10;

  /** The container is at the plan (or stopped on purpose), or not, and why. */
  record Outcome(Optional<Status> status, boolean atPlan, boolean rolledBack) {
    static Outcome ready() {
      return new Outcome(Optional.empty(), true, false);
    }

    static Outcome atPlan(Status status) {
      return new Outcome(Optional.of(status), true, false);
    }

    /** The plan was not applied: whatever ran before still runs (or nothing did). */
    static Outcome notApplied(Status status) {
      return new Outcome(Optional.of(status), false, false);
    }

    /** The planned container did not serve and the previous one was put back. */
    static Outcome rolledBack(Status status) {
      return new Outcome(Optional.of(status), false, true);
    }
  }

  private final HookTools tools;
  private final HostFiles files;
  private final Owner owner;
  private final ImageSource images;

  ContainerReconciler(HookTools tools, HostFiles files, Owner owner) {
    this.tools = tools;
    this.files = files;
    this.owner = owner;
    this.images = new ImageSource(tools);
  }

  /** The message for a container under our name that this charm does not manage. */
  static String foreignMessage(String name) {
    return "a container named " + name + " exists that this charm does not manage; remove or rename it, or choose another registry-name";
  }

  /**
   * Whether an unlabelled container under our name is the one the previous reactive charm (or an
   * earlier revision of this one) ran, and may be adopted: no owner labels, the unit's {@code
   * /etc/docker/registry/config.yml} mounted as its configuration, and its images where this unit
   * keeps them: the unit's {@code /srv/registry} bound at the registry's root directory, or, with
   * the images on Swift or S3, nothing there at all. Empty when it may be adopted, else the status
   * message that says why not: somebody else's container, or one whose images adopting would hide.
   */
  static Optional<String> adoptionRefusal(ContainerState c, HostFiles files, boolean remoteStorage) {
    String name = c.name();
    if (Owner.managedByAnyUnit(c.labels())) {
      return Optional.of(foreignMessage(name));
    }
    String config = files.resolve(Planner.CONFIG_PATH).toString();
    String data = files.resolve(Planner.DATA_DIR).toString();
    boolean ourConfig = false;
    Optional<ContainerState.MountInfo> images = Optional.empty();
    for (ContainerState.MountInfo m : c.mounts()) {
      if (m.destination().equals(Planner.CONFIG_PATH)) {
        ourConfig = m.type().equals("bind") && m.source().equals(config);
      } else if (m.destination().equals(ConfigYaml.ROOT_DIRECTORY)) {
        images = Optional.of(m);
      }
    }
    if (!ourConfig) {
      return Optional.of(foreignMessage(name));
    }
    if (images.isEmpty()) {
      return remoteStorage ? Optional.empty() : Optional.of(imagesElsewhereMessage(name, "inside the container"));
    }
    ContainerState.MountInfo m = images.get();
    if (m.type().equals("bind") && m.source().equals(data)) {
      return Optional.empty();
    }
    return Optional.of(imagesElsewhereMessage(name, "in " + m.source() + (m.type().equals("volume") ? " (a Docker volume)" : "")));
  }

  /**
   * The message for the previous charm's container that keeps its images somewhere else than this
   * unit does: adopting it would hide them.
   */
  static String imagesElsewhereMessage(String name, String where) {
    return "container " + name + " keeps its images " + where + ", not in " + Planner.DATA_DIR
        + "; it is left running: move them to " + Planner.DATA_DIR + " and remove it, or choose another registry-name";
  }

  /**
   * What differs between a container labelled as ours with the planned spec hash and the spec
   * itself: its image, command, environment or bind mounts. Labels can be copied; a container that
   * does not run what the spec says was not made from it by this charm. Empty when it matches.
   */
  static Optional<String> differsFromSpec(ContainerState c, ContainerSpec spec, HostFiles files) {
    List<String> differences = new ArrayList<>();
    if (!c.image().equals(spec.image())) {
      differences.add("image");
    }
    if (!spec.command().isEmpty() && !c.command().equals(spec.command())) {
      differences.add("command");
    }
    if (!spec.env().entrySet().stream().allMatch(e -> e.getValue().equals(c.env().get(e.getKey())))) {
      differences.add("environment");
    }
    java.util.Set<String> planned = new java.util.HashSet<>();
    spec.mounts().forEach(m -> planned.add(files.resolve(m.hostPath()) + " -> " + m.containerPath()));
    java.util.Set<String> bound = new java.util.HashSet<>();
    c.mounts().stream().filter(m -> m.type().equals("bind")).forEach(m -> bound.add(m.source() + " -> " + m.destination()));
    if (!bound.equals(planned)) {
      differences.add("mounts");
    }
    return differences.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", differences));
  }

  /** The message for a container that carries this unit's labels and does not run the planned spec. */
  static String impostorMessage(String name, String differences) {
    return "container " + name + " carries this unit's labels but not the planned registry (" + differences
        + " differ); the charm does not touch it: remove it";
  }

  /**
   * Applies the container part of the plan.
   *
   * @param contentRepaired whether this hook rewrote the content of a planned file
   * @param restoreFiles puts back the files this hook replaced, for a rollback
   */
  Outcome ensure(RegistryContainer engine, Plan plan, Map<String, String> state, boolean contentRepaired, RegistryProbe probe,
      boolean remoteStorage, Runnable restoreFiles) {
    ContainerSpec spec = plan.container();
    String name = spec.name();
    Optional<ContainerState> named = engine.inspect(name);
    if (named.isPresent() && !owner.owns(named.get().labels())) {
      Optional<String> refusal = adoptionRefusal(named.get(), files, remoteStorage);
      if (refusal.isPresent()) {
        tools.log(LogLevel.WARNING, "Not touching container " + name + " (not managed by " + owner + "): " + refusal.get());
        return Outcome.notApplied(Status.blocked(refusal.get()));
      }
      tools.log(LogLevel.INFO, "Adopting container " + name + " left by the previous charm; it will be replaced");
    }
    if (named.isPresent() && owner.owns(named.get().labels()) && spec.hash().equals(named.get().specHash())) {
      Optional<String> differences = differsFromSpec(named.get(), spec, files);
      if (differences.isPresent()) {
        tools.log(LogLevel.WARNING, "Not touching container " + name + ": it carries this unit's labels but its " + differences.get()
            + " differ from the planned spec");
        return Outcome.notApplied(Status.blocked(impostorMessage(name, differences.get())));
      }
    }
    String stopped = state.get(Reconciler.STOPPED);
    if (stopped != null && !stopped.equals(name)) {
      // The mark names the container the stop action stopped; registry-name moved on since.
      tools.stateDelete(Reconciler.STOPPED);
      tools.log(LogLevel.INFO, "The stop action stopped " + stopped + ", not " + name + "; " + name + " runs");
    } else if (stopped != null) {
      named.filter(c -> owner.owns(c.labels())).ifPresent(c -> engine.stop(c.id(), STOP_TIMEOUT_SECONDS));
      return Outcome.atPlan(Reconciler.stoppedByAction(name));
    }
    List<ContainerState> asides = asides(engine, name);
    if (!asides.isEmpty()) {
      // A hook died (or lost the engine) in the middle of a replacement: finish it or undo it.
      if (named.isPresent() && owner.owns(named.get().labels()) && spec.hash().equals(named.get().specHash())) {
        Outcome outcome = finish(engine, named.get(), asides.get(0), plan, probe);
        if (outcome.status().isEmpty()) {
          removeStale(engine, name);
        }
        return outcome;
      }
      if (named.isPresent() && owner.owns(named.get().labels()) && !named.get().runningSteadily()) {
        engine.remove(named.get().id()); // made for another plan and never served: the one aside did
        tools.log(LogLevel.WARNING, "Removed " + name + ", left by an interrupted replacement for another configuration");
        named = Optional.empty();
      }
    }
    if (named.isEmpty()) {
      named = recoverPrevious(engine, name, asides);
    }
    ImageSource.Result image = images.ensure(engine, spec.image(), state);
    if (image.problem().isPresent()) {
      return Outcome.notApplied(image.problem().get());
    }
    Outcome outcome;
    if (named.isPresent() && owner.owns(named.get().labels()) && spec.hash().equals(named.get().specHash())
        && !(image.fromResource() && runsAnotherImage(engine, named.get(), spec.image()))) {
      outcome = keep(engine, named.get(), plan, contentRepaired, probe);
    } else {
      outcome = replace(engine, named, runningUnderOtherNames(engine, name), plan, probe, restoreFiles);
    }
    if (outcome.status().isEmpty()) {
      removeStale(engine, name);
    }
    return outcome;
  }

  /**
   * The container matches the plan: make sure it runs, unless somebody stopped it. A running
   * registry read its configuration when it started, so a repaired file does not restart it; one
   * that crash-loops on a file that was just repaired is restarted on the good one.
   */
  private Outcome keep(RegistryContainer engine, ContainerState c, Plan plan, boolean contentRepaired, RegistryProbe probe) {
    String name = c.name();
    if (c.paused()) {
      return Outcome.atPlan(Status.blocked(pausedMessage(name)));
    }
    // The engine reports a container waiting for its restart policy as running and restarting.
    if (c.running() && !c.restarting()) {
      return Outcome.ready();
    }
    if (c.restarting()) {
      if (!contentRepaired) {
        NotReady crashing = NotReady.of(Optional.of(c), Optional.of(c), 0, engine.logTail(c.id(), NotReady.LOG_LINES), plan.secrets());
        return Outcome.atPlan(stays(name, crashing, plan));
      }
      tools.log(LogLevel.INFO, "Restarting " + name + " after repairing its files");
      engine.stop(c.id(), STOP_TIMEOUT_SECONDS);
    } else if (c.exitedOnItsOwn()) {
      tools.log(LogLevel.WARNING, "Container " + name + " was not running (" + c.error() + "); starting it again");
    } else if (c.neverStarted()) {
      tools.log(LogLevel.WARNING, "Container " + name + " was created but never started (the hook that created it was interrupted); starting it");
    } else {
      return Outcome.atPlan(Status.blocked(name + " container is stopped."));
    }
    try {
      engine.start(c.id());
    } catch (StartFailure e) {
      tools.log(LogLevel.ERROR, "Cannot start " + name + ": " + e.getMessage());
      return Outcome.atPlan(Status.blocked("Cannot start " + name + ": " + e.getMessage()));
    }
    return awaitRegistry(engine, c.id(), probe, plan).map(d -> Outcome.atPlan(stays(name, d, plan))).orElse(Outcome.ready());
  }

  /**
   * Replaces {@code named} (absent, ours, or adopted) and our registries still running under other
   * names (after a registry-name change) with a container built from the plan. The previous
   * containers are stopped, not removed (the named one is renamed aside), until the new registry
   * answers; if the new one cannot be created or started, or does not answer, it is removed and
   * the previous ones are put back as they were, with the files they were started with.
   */
  private Outcome replace(RegistryContainer engine, Optional<ContainerState> named, List<ContainerState> others, Plan plan,
      RegistryProbe probe, Runnable restoreFiles) {
    ContainerSpec spec = plan.container();
    String name = spec.name();
    List<ContainerState> previous = new ArrayList<>(others);
    named.ifPresent(c -> previous.add(0, c));
    tools.statusSet(Status.maintenance(previous.isEmpty() ? "Creating " + name : "Replacing " + previous.get(0).name()));
    Optional<String> aside = named.map(c -> asideName(engine, name));
    named.ifPresent(c -> engine.rename(c.id(), aside.get()));
    String id;
    try {
      id = engine.create(spec);
    } catch (StartFailure e) {
      restoreIfRolledBack(previous, restoreFiles);
      putBack(engine, named, previous, false);
      return failed(name, e.getMessage(), !previous.isEmpty());
    }
    long stoppedAt = System.nanoTime();
    previous.stream().filter(ContainerState::running).forEach(c -> engine.stop(c.id(), STOP_TIMEOUT_SECONDS));
    long startAt = System.nanoTime();
    try {
      engine.start(id);
    } catch (StartFailure e) {
      engine.remove(id);
      restoreIfRolledBack(previous, restoreFiles);
      putBack(engine, named, previous, true);
      return failed(name, e.getMessage(), !previous.isEmpty());
    }
    long startedAt = System.nanoTime();
    Optional<NotReady> notReady = awaitRegistry(engine, id, probe, plan);
    if (notReady.isPresent()) {
      if (previous.isEmpty()) {
        return Outcome.atPlan(stays(name, notReady.get(), plan));
      }
      // Said before the removal: the new container's state and log go with it.
      String reason = notReady.get().describe("the new container", port(plan), READY_TIMEOUT);
      engine.remove(id);
      restoreFiles.run();
      putBack(engine, named, previous, true);
      return failed(name, reason, true);
    }
    long answeredAt = System.nanoTime();
    previous.forEach(c -> engine.remove(c.id()));
    // Where the time without a registry goes: the engine's stop, its start, the registry's own start.
    tools.log(LogLevel.INFO, previous.isEmpty()
        ? "Created container " + name + " from " + spec.image()
        : "Replaced container " + previous.get(0).name() + " with " + name + " from " + spec.image() + " (registry down for "
            + millis(stoppedAt, answeredAt) + " ms: stop " + millis(stoppedAt, startAt) + " ms, start " + millis(startAt, startedAt)
            + " ms, first answer " + millis(startedAt, answeredAt) + " ms later)");
    String version = registryVersion(engine, id);
    if (!version.isEmpty()) {
      tools.applicationVersionSet(version);
    }
    return Outcome.ready();
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  private Outcome failed(String name, String reason, boolean rolledBack) {
    tools.log(LogLevel.ERROR, "Cannot start " + name + ": " + reason + (rolledBack ? "; the previous container is back" : ""));
    String message = "Cannot start " + name + ": " + reason;
    return rolledBack ? Outcome.rolledBack(Status.blocked(message + " (previous container kept)")) : Outcome.notApplied(Status.blocked(message));
  }

  /** A previous container comes back: it gets its files back first. */
  private static void restoreIfRolledBack(List<ContainerState> previous, Runnable restoreFiles) {
    if (!previous.isEmpty()) {
      restoreFiles.run();
    }
  }

  /** Undoes the rename of the named container and, if they were stopped, restarts the previous ones. */
  private void putBack(RegistryContainer engine, Optional<ContainerState> named, List<ContainerState> previous, boolean restart) {
    named.ifPresent(c -> engine.rename(c.id(), c.name()));
    if (!restart) {
      return;
    }
    for (ContainerState c : previous) {
      if (c.running()) {
        try {
          engine.start(c.id());
        } catch (StartFailure e) {
          tools.log(LogLevel.ERROR, "Cannot start the previous container " + c.name() + " again: " + e.getMessage());
        }
      }
    }
  }

  /** A free name for the previous container while it is replaced. */
  private String asideName(RegistryContainer engine, String name) {
    String aside = name + PREVIOUS;
    Optional<ContainerState> taken = engine.inspect(aside);
    if (taken.isPresent() && owner.owns(taken.get().labels())) {
      engine.remove(taken.get().id()); // ours, left by an interrupted replacement
    } else if (taken.isPresent()) {
      aside = aside + "-" + Long.toHexString(System.nanoTime());
    }
    return aside;
  }

  /** Our containers set aside by a replacement that did not end: {@code <name>-previous...}. */
  private List<ContainerState> asides(RegistryContainer engine, String name) {
    List<ContainerState> asides = new ArrayList<>();
    for (String other : engine.managedContainers(owner)) {
      if (other.startsWith(name + PREVIOUS)) {
        engine.inspect(other).ifPresent(c -> asides.add(other.equals(name + PREVIOUS) ? 0 : asides.size(), c));
      }
    }
    return asides;
  }

  /**
   * A hook that died mid-replacement left our previous container aside and nothing under the
   * name: bring it back, running (that hook may have stopped it), so that what follows replaces a
   * serving registry and can put it back.
   */
  private Optional<ContainerState> recoverPrevious(RegistryContainer engine, String name, List<ContainerState> asides) {
    if (asides.isEmpty()) {
      return Optional.empty();
    }
    ContainerState previous = asides.get(0);
    engine.rename(previous.id(), name);
    tools.log(LogLevel.WARNING, "Renamed " + previous.name() + " back to " + name + " (an earlier replacement was interrupted)");
    if (!previous.running() && !previous.paused()) {
      try {
        engine.start(previous.id());
        tools.log(LogLevel.WARNING, "Started " + name + " again: the interrupted replacement had stopped it");
      } catch (StartFailure e) {
        tools.log(LogLevel.ERROR, "Cannot start " + name + " again: " + e.getMessage());
      }
    }
    return engine.inspect(name);
  }

  /**
   * A hook died after creating the planned container, with the previous one still aside (running,
   * or stopped by that hook): carry the replacement to its end. The planned container is started
   * (the previous one stopped first, it holds the port) and kept once its registry answers, else
   * removed and the previous one renamed back and started again. The files are this hook's: the
   * interrupted hook already replaced the previous container's, so they cannot be put back.
   */
  private Outcome finish(RegistryContainer engine, ContainerState planned, ContainerState previous, Plan plan, RegistryProbe probe) {
    String name = planned.name();
    tools.log(LogLevel.WARNING, "An earlier replacement of " + name + " was interrupted (" + previous.name() + " is still aside); finishing it");
    tools.statusSet(Status.maintenance("Replacing " + name));
    long stoppedAt = System.nanoTime();
    int restarts = planned.restartCount();
    try {
      if (!planned.running() || planned.restarting()) {
        engine.stop(previous.id(), STOP_TIMEOUT_SECONDS);
        engine.stop(planned.id(), STOP_TIMEOUT_SECONDS);
        engine.start(planned.id());
        restarts = engine.inspect(planned.id()).map(ContainerState::restartCount).orElse(0);
      }
    } catch (StartFailure e) {
      return undo(engine, planned, previous, e.getMessage());
    }
    ContainerWatch watch = new ContainerWatch(engine, planned.id(), restarts);
    if (!probe.await(watch, READY_TIMEOUT.toMillis())) {
      return undo(engine, planned, previous, watch.diagnose(plan.secrets()).describe("the new container", port(plan), READY_TIMEOUT));
    }
    tools.log(LogLevel.INFO, "Replaced container " + previous.name() + " with " + name + " (finishing an interrupted replacement; registry down for "
        + (System.nanoTime() - stoppedAt) / 1_000_000 + " ms)");
    String version = registryVersion(engine, planned.id());
    if (!version.isEmpty()) {
      tools.applicationVersionSet(version);
    }
    return Outcome.ready();
  }

  /** The planned container of an interrupted replacement does not serve: the previous one comes back. */
  private Outcome undo(RegistryContainer engine, ContainerState planned, ContainerState previous, String reason) {
    engine.remove(planned.id());
    engine.rename(previous.id(), planned.name());
    try {
      engine.start(previous.id());
    } catch (StartFailure e) {
      tools.log(LogLevel.ERROR, "Cannot start the previous container " + planned.name() + " again: " + e.getMessage());
    }
    return failed(planned.name(), reason, true);
  }

  /** After a registry-name change, our registries still running under other names. */
  private List<ContainerState> runningUnderOtherNames(RegistryContainer engine, String name) {
    List<ContainerState> running = new ArrayList<>();
    for (String other : engine.managedContainers(owner)) {
      if (!other.equals(name)) {
        engine.inspect(other).filter(ContainerState::running).ifPresent(running::add);
      }
    }
    return running;
  }

  /** Once the planned container serves, our containers under other names go. */
  private void removeStale(RegistryContainer engine, String name) {
    for (String other : engine.managedContainers(owner)) {
      if (!other.equals(name)) {
        engine.remove(other);
        tools.log(LogLevel.INFO, "Removed container " + other + " (replaced by " + name + ")");
      }
    }
  }

  /**
   * Whether the container runs another image than the one the reference names now: a new
   * tarball attached as the image resource moved the tag, and the container must follow it.
   */
  private boolean runsAnotherImage(RegistryContainer engine, ContainerState c, String image) {
    Optional<String> id = engine.imageId(image);
    boolean other = id.isPresent() && !c.imageId().isEmpty() && !id.get().equals(c.imageId());
    if (other) {
      tools.log(LogLevel.INFO, image + " is now " + id.get() + " (from the " + ImageSource.RESOURCE + " resource); "
          + c.name() + " runs " + c.imageId() + " and is replaced");
    }
    return other;
  }

  /**
   * Waits for the registry of a container just started (its restart count is 0) to answer, as
   * long as the container runs without exiting; empty once it answers, else what the container
   * did instead.
   */
  private static Optional<NotReady> awaitRegistry(RegistryContainer engine, String id, RegistryProbe probe, Plan plan) {
    ContainerWatch watch = new ContainerWatch(engine, id, 0);
    return probe.await(watch, READY_TIMEOUT.toMillis()) ? Optional.empty() : Optional.of(watch.diagnose(plan.secrets()));
  }

  /**
   * The status of a planned container that stays although its registry does not answer: waiting
   * while it runs (it may still come up), blocked with what happened when it exited or vanished.
   */
  private static Status stays(String name, NotReady notReady, Plan plan) {
    return switch (notReady.kind()) {
      case SILENT -> notAnswering(plan);
      case GONE -> Status.blocked(notReady.describe(name + " container", port(plan), READY_TIMEOUT));
      default -> Status.blocked(notReady.describe(name + " container", port(plan), READY_TIMEOUT) + "; see docker logs " + name);
    };
  }

  /**
   * The status when the registry of our container at the plan does not answer: what the container
   * does, when it exits, else "not answering yet".
   */
  Status notAnswering(RegistryContainer engine, Plan plan) {
    String name = plan.container().name();
    Optional<ContainerState> c = engine.inspect(name).filter(found -> owner.owns(found.labels()));
    if (c.isEmpty()) {
      return notAnswering(plan);
    }
    return stays(name, new ContainerWatch(engine, c.get().id(), c.get().restartCount()).diagnose(plan.secrets()), plan);
  }

  /** The status of our container while somebody paused it ({@code docker pause}). */
  static String pausedMessage(String name) {
    return name + " container is paused; docker unpause " + name + " resumes it";
  }

  static int port(Plan plan) {
    return plan.container().ports().get(0).hostPort();
  }

  static Status notAnswering(Plan plan) {
    return Status.waiting("Registry is not answering on port " + port(plan) + " yet");
  }

  private static String registryVersion(RegistryContainer engine, String id) {
    try {
      String out = engine.exec(id, List.of("/bin/registry", "--version")).trim();
      String[] words = out.split("\\s+");
      return words.length == 0 ? "" : words[words.length - 1].replaceFirst("^v", "");
    } catch (RuntimeException e) {
      return "";
    }
  }
}
