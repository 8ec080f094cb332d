package charm;

import charm.actions.ActionResult;
import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.OpenedPort;
import charm.juju.Status;
import charm.registry.Layout;
import charm.registry.Owner;
import charm.registry.Plan;
import charm.registry.Planner;
import charm.registry.RegistryConfig;
import charm.tls.Htpasswd;
import charm.workload.ContainerState;
import charm.workload.DaemonTrust;
import charm.workload.EngineUnavailable;
import charm.workload.HostFiles;
import charm.workload.RegistryAccess;
import charm.workload.CurlProbe;
import charm.workload.RegistryProbe;
import charm.workload.RegistryContainer;
import charm.workload.RegistryLogs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The holistic reconcile every hook runs (but stop/remove): read everything once, plan with pure
 * code, apply only the differences, report one status.
 */
public final class Reconciler {
  /** Unit state: the container name the operator stopped with the stop action. */
  public static final String STOPPED = "stopped-container";
  /** Unit state: the netloc this unit added to the Docker engine's insecure registries. */
  public static final String TRUSTED = "trusted-netloc";
  /** Unit state: a series upgrade is under way. */
  public static final String SERIES_UPGRADE = "series-upgrade";
  /** The endpoint whose ingress address clients use. */
  static final String CLIENT_BINDING = "docker-registry";
  /** A running registry whose container did not change should answer at once. */
  private static final long ANSWER_TIMEOUT_MILLIS = 5_000;

  private final HookTools tools;
  private final Supplier<RegistryContainer> docker;
  private final HostFiles files;
  private final Owner owner;
  private final SharedSecret secret;
  private final CacheGeneration cacheGeneration;
  private final ContainerReconciler containers;
  private final TlsSetup tls;
  private final EngineTrust trust;
  private final Relations relations;
  private final ScheduledMaintenance maintenance;
  private final RegistryLogs logs;
  /** What this process found ready, for {@link ReadyRecord}; null until then. */
  private ReadyRecord readyNow;
  /** Whether this process confirmed the stored record (nothing to write). */
  private boolean confirmed;
  private final ReadyStore store;
  /** {@link ReadyRecord#inputs} of what this process read. */
  private String inputs;

  public Reconciler(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, Owner owner) {
    this(tools, docker, files, owner, "");
  }

  /**
   * @param brokenRelation the relation id when this hook is a {@code -relation-broken} (Juju still
   *     lists the relation while it breaks), else ""
   */
  public Reconciler(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, Owner owner, String brokenRelation) {
    this(tools, docker, files, owner, brokenRelation, ReadyStore.NONE);
  }

  /** @param store where the {@link ReadyRecord} is kept between hooks */
  public Reconciler(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, Owner owner, String brokenRelation,
      ReadyStore store) {
    this(tools, docker, files, owner, brokenRelation, store, "");
  }

  /** @param modelName {@code JUJU_MODEL_NAME}, for the topology the cos-agent relation carries */
  public Reconciler(HookTools tools, Supplier<RegistryContainer> docker, HostFiles files, Owner owner, String brokenRelation,
      ReadyStore store, String modelName) {
    this.store = store;
    this.tools = tools;
    this.docker = docker;
    this.files = files;
    this.owner = owner;
    this.secret = new SharedSecret(tools, owner.application());
    this.cacheGeneration = new CacheGeneration(tools, owner);
    this.containers = new ContainerReconciler(tools, files, owner);
    this.tls = new TlsSetup(tools, files, owner.unit(), brokenRelation);
    this.trust = new EngineTrust(tools, files);
    this.relations = new Relations(tools, files, owner.unit(), owner.application(), brokenRelation, modelName, owner.modelUuid());
    this.maintenance = new ScheduledMaintenance(tools, secret);
    this.logs = new RegistryLogs(files);
  }

  /** The status after the stop action (the previous charm's text); every hook keeps it until the start action. */
  public static Status stoppedByAction(String name) {
    return Status.blocked(name + " container was stopped.");
  }

  /** Who this unit is; containers labelled otherwise are not ours. */
  public Owner owner() {
    return owner;
  }

  /**
   * What the charm reads once per hook: config, the shared secret, unit state, the address, and
   * the highest blob descriptor cache generation in the peer relation (read only where {@link
   * Planner#cacheGenerationApplies} says the container carries it; else 0).
   */
  public record Facts(RegistryConfig config, String httpSecret, Map<String, String> state, String address, long cacheGeneration) {

    /** The same facts with a unit state key removed (read-your-writes after state-delete). */
    public Facts withoutState(String key) {
      Map<String, String> copy = new java.util.HashMap<>(state);
      copy.remove(key);
      return new Facts(config, httpSecret, copy, address, cacheGeneration);
    }

    /** The same facts with another cache generation (read-your-writes after publishing one). */
    public Facts withCacheGeneration(long generation) {
      return new Facts(config, httpSecret, state, address, generation);
    }
  }

  /** Reads everything once; the leader shares the http secret when there is none. */
  public Facts read() {
    return read(Map.of());
  }

  /**
   * Reads everything once, with some options taking other values for this process only (the
   * garbage-collect action holds the registry read-only this way). Juju's config is not changed:
   * any later hook reconciles to the operator's values again.
   */
  public Facts readWith(Map<String, Object> overrides) {
    return read(overrides);
  }

  private Facts read(Map<String, Object> overrides) {
    Map<String, Object> options = new java.util.HashMap<>(tools.configGet());
    String address = tools.ingressAddress(CLIENT_BINDING);
    inputs = ReadyRecord.inputs(store.key(), options, addresses(address));
    options.putAll(overrides);
    RegistryConfig config = RegistryConfig.from(options);
    String shared = secret.read();
    long generation = Planner.cacheGenerationApplies(config) ? cacheGeneration.highest() : 0;
    return new Facts(config, shared, tools.stateGet(), address, generation);
  }

  /**
   * The full reconcile.
   *
   * @param job the maintenance job, which the leader runs when maintenance-schedule says so
   */
  public void reconcile(Supplier<ActionResult> job) {
    Facts facts = read();
    tools.statusSet(maintain(facts, converge(facts), job));
    copyLogsOf(facts);
  }

  /**
   * config-changed: Juju runs it when the options or the machine's addresses change, and after an
   * agent restart or upgrade-charm. When the options and the ingress address are those the
   * {@link ReadyRecord} was made from, nothing the plan depends on changed: the world is only
   * checked against the record, as update-status does. Otherwise, or when that check fails, the
   * full reconcile.
   */
  public void configChanged(Supplier<ActionResult> job) {
    Optional<ReadyRecord> record = usableRecord();
    if (record.isPresent() && record.get().inputs().equals(ReadyRecord.inputs(store.key(), tools.configGet(), addresses(tools.ingressAddress(CLIENT_BINDING))))) {
      try {
        if (reportConfirmed(record.get())) {
          return;
        }
      } catch (EngineUnavailable e) {
        // The full reconcile below reports it.
      }
    }
    Facts facts = read(Map.of());
    tools.statusSet(maintain(facts, converge(facts), job));
    copyLogsOf(facts);
  }

  /** When the unit is still as the record says ({@link #confirms}), reports its status. */
  private boolean reportConfirmed(ReadyRecord r) {
    if (!confirms(r)) {
      return false;
    }
    tools.statusSet(Status.active(r.status()));
    confirmed = true;
    copyLogs(r.container());
    return true;
  }

  /**
   * The container's new log lines to {@link Layout#registryLog} ({@link RegistryLogs}), at the end
   * of every hook that reconciles or confirms: one more GET on the engine socket. A copy that
   * fails is retried by the next hook (it starts after the last line copied) and fails nothing.
   */
  private void copyLogsOf(Facts facts) {
    // Options with problems or no http secret yet: the hook went nowhere near the engine.
    if (facts.config().problems().isEmpty() && facts.httpSecret() != null && !facts.httpSecret().isEmpty()) {
      copyLogs(facts.config().registryName());
    }
  }

  private void copyLogs(String containerName) {
    try (RegistryContainer engine = docker.get()) {
      logs.copy(engine, containerName);
    } catch (EngineUnavailable | java.io.UncheckedIOException | IllegalStateException e) {
      tools.log(LogLevel.WARNING, "The registry's log lines were not copied to " + Layout.registryLog(containerName) + " this time: " + e.getMessage());
    }
  }

  /**
   * The stored record, when it is current. A stop, a series upgrade or any other hook or action
   * removed it as it started ({@link ReadyStore}), so a record found here was written by the last
   * hook that changed anything.
   */
  private Optional<ReadyRecord> usableRecord() {
    return store.read().filter(r -> r.current(Instant.now()));
  }

  /**
   * update-status. When the last full reconcile's {@link ReadyRecord} is current and the world
   * still matches it (files, our container and its spec hash, a registry answering), report it:
   * the only hook tool it runs sets the status. Otherwise read everything as a
   * full reconcile does; when the files on disk are the planned ones (content and mode), our
   * container runs with the planned spec and a registry answers on its port, report without
   * changing anything; otherwise apply the plan. Either way, the leader runs the maintenance job
   * when maintenance-schedule says so: the record holds when its next window starts, and is not
   * current from then on.
   */
  public void updateStatus(Supplier<ActionResult> job) {
    Optional<ReadyRecord> record = usableRecord();
    if (record.isPresent()) {
      try {
        if (reportConfirmed(record.get())) {
          return;
        }
      } catch (EngineUnavailable e) {
        tools.log(LogLevel.WARNING, e.getMessage());
        tools.statusSet(engineWaiting(e));
        return;
      }
    }
    Facts facts = read(Map.of());
    tools.statusSet(maintain(facts, checkOrApply(facts, true), job));
    copyLogsOf(facts);
  }

  /**
   * maintenance-schedule ({@link ScheduledMaintenance}), after a full reconcile: only a unit
   * that ends the hook ready runs the job (a blocked, waiting or stopped one skips it and it stays
   * due), and the record keeps the status it settles on and when the next window starts.
   */
  private Status maintain(Facts facts, Status status, Supplier<ActionResult> job) {
    if (status.kind() != Status.Kind.ACTIVE) {
      return status;
    }
    ScheduledMaintenance.Outcome outcome = maintenance.after(facts.config().maintenanceSchedule(), status, job, () -> checkOrApply(read(), false));
    if (readyNow != null) {
      readyNow = readyNow.withMaintenance(outcome.status().message(), outcome.due());
    }
    return outcome.status();
  }

  /**
   * update-status's reconcile: report what is at the plan, apply what is not.
   *
   * @param holdFailed whether a replacement that failed with the same spec less than {@link
   *     FailedReplacement#RETRY_AFTER} ago is left alone while the kept container runs
   */
  private Status checkOrApply(Facts facts, boolean holdFailed) {
    readyNow = null;
    Optional<Status> early = precheck(facts);
    if (early.isPresent()) {
      return early.get();
    }
    Desired desired = desire(facts);
    if (desired.problem().isPresent()) {
      return desired.problem().get();
    }
    publishWebsite(facts, desired);
    try {
      if (filesMatch(desired.plan())) {
        RegistryProbe.Answer answer = serving(desired);
        if (answer == RegistryProbe.Answer.REGISTRY && portsOpen(desired.plan().ports())) {
          return readyNow(desired, facts);
        }
        if (answer == RegistryProbe.Answer.UNHEALTHY) {
          return storageUnavailable(facts.config());
        }
      }
      if (holdFailed) {
        Optional<Status> held = held(facts, desired.plan());
        if (held.isPresent()) {
          return held.get();
        }
      }
    } catch (EngineUnavailable e) {
      tools.log(LogLevel.WARNING, e.getMessage());
      return engineWaiting(e);
    }
    return apply(facts, desired);
  }

  /**
   * The status to keep when the plan's spec failed to replace the running container recently
   * and that container still runs ({@link FailedReplacement}); empty when the plan should be tried.
   */
  private Optional<Status> held(Facts facts, Plan plan) {
    Optional<FailedReplacement> failed = FailedReplacement.from(facts.state());
    if (failed.isEmpty() || !failed.get().holds(plan.container().hash(), Instant.now())) {
      return Optional.empty();
    }
    try (RegistryContainer engine = docker.get()) {
      Optional<ContainerState> kept = engine.inspect(plan.container().name());
      if (kept.isEmpty() || !owner.owns(kept.get().labels()) || !kept.get().runningSteadily()) {
        return Optional.empty(); // nothing serves: trying again cannot make it worse
      }
    }
    tools.log(LogLevel.INFO, "Not trying the configuration that failed at " + failed.get().at() + " again before " + failed.get().retryAt()
        + " (config-changed tries at once)");
    return Optional.of(Status.blocked(failed.get().heldStatus()));
  }

  /** Keeps the unit state's {@link FailedReplacement} in step with what the container part did. */
  private void noteReplacement(Facts facts, Plan plan, ContainerReconciler.Outcome outcome) {
    boolean marked = facts.state().containsKey(FailedReplacement.KEY);
    if (outcome.rolledBack()) {
      FailedReplacement failed = new FailedReplacement(plan.container().hash(), Instant.now(), outcome.status().map(Status::message).orElse(""));
      tools.stateSet(Map.of(FailedReplacement.KEY, failed.encode()));
    } else if (marked && outcome.atPlan()) {
      tools.stateDelete(FailedReplacement.KEY);
    }
  }

  /**
   * Whether the unit is still as the record says: the checked files (content and mode), the
   * htpasswd user and mode, no file that should be absent, our container running with the
   * recorded spec hash and a distribution registry answering on the port.
   */
  private boolean confirms(ReadyRecord r) {
    ReadyRecord.Files disk = (path, mode) -> files.hasMode(path, mode) ? text(path) : Optional.empty();
    if (!r.filesMatch(store.key(), disk, files::exists) || !r.sourcesMatch(store.key(), this::operatorFile)) {
      return false;
    }
    if (!r.htpasswd().isEmpty()
        && (!files.hasMode(r.htpasswd().get(0), "rw-------") || !firstLine(r.htpasswd().get(0)).orElse("").startsWith(r.htpasswd().get(1) + ":"))) {
      return false;
    }
    try (RegistryContainer engine = docker.get()) {
      Optional<ContainerState> c = engine.inspect(r.container());
      // The id too: labels can be copied onto another container, the id of the one checked cannot.
      if (c.isEmpty() || !c.get().id().equals(r.containerId()) || !owner.owns(c.get().labels()) || !c.get().running() || c.get().paused()
          || !r.specHash().equals(c.get().specHash())) {
        return false;
      }
    }
    if (r.scheme().equals("https") && !r.pin().isEmpty()) {
      // curl, when the unit has it, spares this hook the JDK's TLS client (most of its cost); a
      // no from it is checked again by the Java probe below, so a curl that cannot do the job
      // costs time, never a full reconcile.
      Optional<CurlProbe> curl = CurlProbe.find();
      if (curl.isPresent() && curl.get().answers("127.0.0.1", r.port(), r.pin(),
          r.clientCertificate() ? files.resolve(TlsSetup.LOCAL_CLIENT_CERT) : null,
          r.clientCertificate() ? files.resolve(TlsSetup.LOCAL_CLIENT_KEY) : null, 1000)) {
        return true;
      }
    }
    RegistryProbe probe;
    try {
      // The served certificate is one of the checked files; the client one is the unit's own.
      probe = !r.scheme().equals("https") ? RegistryProbe.http("127.0.0.1", r.port())
          : RegistryProbe.https("127.0.0.1", r.port(), text(Layout.TLS_CERT).orElse(""),
              r.clientCertificate() ? text(TlsSetup.LOCAL_CLIENT_KEY).orElse(null) : null,
              r.clientCertificate() ? text(TlsSetup.LOCAL_CLIENT_CERT).orElse(null) : null);
    } catch (IllegalStateException e) {
      return false; // material that no longer parses: the full reconcile says why
    }
    return probe.answers(1000);
  }

  /** An operator's file as the full reconcile reads it: a file or a link to one, else empty. */
  private Optional<String> operatorFile(String path) {
    return files.isFileOrLinkToOne(path) ? text(path) : Optional.empty();
  }

  /**
   * What config-changed may announce besides the options: the ingress address, and the private
   * and public addresses (in certificate requests and haproxy's server lines). "" for one Juju
   * does not give.
   */
  private List<String> addresses(String ingress) {
    List<String> all = new ArrayList<>(List.of(ingress));
    for (String setting : List.of("private-address", "public-address")) {
      try {
        all.add(tools.unitGet(setting));
      } catch (charm.juju.HookToolException e) {
        all.add("");
      }
    }
    return all;
  }

  private Optional<String> text(String path) {
    return files.read(path).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /**
   * At the end of a hook or action: keeps the {@link ReadyRecord} in step with what it found. A
   * confirmed record stays as it is (its age counts from the full reconcile that wrote it); a hook
   * that ended ready writes a new one; anything else removes it: a failed hook, a unit not ready,
   * or work left for a later hook (the leader settings' copy of a moved secret, a daemon.json that
   * could not take the registry's entry).
   *
   * @param hookSucceeded whether the hook or action exits 0 (Juju commits its changes only then)
   */
  public void settleRecord(boolean hookSucceeded) {
    if (hookSucceeded && confirmed) {
      return;
    }
    if (hookSucceeded && readyNow != null && secret.settled()) {
      store.write(readyNow);
    } else {
      store.delete();
    }
  }

  /** The ready status, noted for {@link #settleRecord}. */
  private Status readyNow(Desired desired, Facts facts) {
    Status status = ready(desired, facts.config());
    Plan plan = desired.plan();
    if (!trust.settled(plan)) {
      return status; // daemon.json could not take the entry: every full reconcile tries again
    }
    List<Plan.FileSpec> checked = new ArrayList<>(plan.files());
    checked.addAll(EngineTrust.expected(plan, desired.tls()));
    List<String> absent = new ArrayList<>(plan.absent());
    absent.addAll(EngineTrust.absent(plan, desired.tls()));
    Map<String, String> sources = new java.util.TreeMap<>();
    RegistryConfig.Tls tlsOptions = facts.config().tls();
    for (String path : List.of(tlsOptions.certPath(), tlsOptions.keyPath(), tlsOptions.caPath())) {
      if (!path.isEmpty()) {
        sources.put(path, ReadyRecord.sourceDigest(store.key(), operatorFile(path)));
      }
    }
    if (!plan.scheme().equals("https")) {
      // The machine's file, holding the registry's entry: any edit takes the full reconcile, which
      // puts back an entry that went and records again.
      sources.put(DaemonTrust.DAEMON_JSON, ReadyRecord.sourceDigest(store.key(), operatorFile(DaemonTrust.DAEMON_JSON)));
    }
    String containerId;
    try (RegistryContainer engine = docker.get()) {
      containerId = engine.inspect(plan.container().name()).map(ContainerState::id).orElse("");
    }
    String pin = desired.tls().served().map(t -> CurlProbe.pin(t.certPem())).orElse("");
    readyNow = ReadyRecord.of(store.key(), Instant.now(), inputs, plan, containerId, checked, absent, sources, desired.tls().client() != null, pin,
        desired.tls().notAfter(), status.message());
    return status;
  }

  /**
   * The plan with its TLS decision, and the probe that checks it; or the problem that stops the
   * reconcile before any change (refused TLS material, a certificate still to come).
   */
  private record Desired(Plan plan, TlsSetup.Outcome tls, RegistryProbe probe, Optional<Status> problem, boolean proxied) {}

  private Desired desire(Facts facts) {
    Optional<String> proxy = relations.proxyAddress();
    TlsSetup.Names names = new TlsSetup.Names(facts.address(), facts.config().httpHost().map(Reconciler::host).orElse(""), proxy.orElse(""));
    TlsSetup.Outcome outcome = tls.prepare(facts.config(), names, facts.state(), Instant.now());
    if (outcome.problem().isPresent()) {
      return new Desired(null, outcome, null, outcome.problem(), false);
    }
    Plan plan = Planner.plan(facts.config(), facts.httpSecret(), facts.address(), owner, outcome.served(), proxy, facts.cacheGeneration(),
        relations.cosAgentRelated());
    int port = ContainerReconciler.port(plan);
    RegistryProbe probe = outcome.served()
        .map(t -> outcome.client() == null
            ? RegistryProbe.https("127.0.0.1", port, t.certPem(), null, null)
            : RegistryProbe.https("127.0.0.1", port, t.certPem(), outcome.client().keyPem(), outcome.client().certPem()))
        .orElse(RegistryProbe.http("127.0.0.1", port));
    return new Desired(plan, outcome, probe, Optional.empty(), proxy.isPresent());
  }

  /** How an action reaches the registry (see {@link RegistryAccess}), or the status that says why it cannot yet. */
  public record Access(Optional<RegistryAccess> registry, Optional<Status> notReady) {}

  /**
   * How an action reaches this unit's registry over its HTTP API: locally on 127.0.0.1 at the
   * registry port, over HTTPS trusting exactly the served certificate and presenting the unit's
   * local client certificate (as the probe does), with the basic-auth credentials when set. Not
   * ready while the options are invalid, the secret is not shared or the TLS material is refused
   * or still to come.
   */
  public Access access(Facts facts) {
    Optional<Status> early = precheck(facts);
    if (early.isPresent()) {
      return new Access(Optional.empty(), early);
    }
    Desired desired = desire(facts);
    if (desired.problem().isPresent()) {
      return new Access(Optional.empty(), desired.problem());
    }
    Plan plan = desired.plan();
    TlsSetup.Outcome tls = desired.tls();
    SSLContext ssl = tls.served()
        .map(t -> tls.client() == null
            ? RegistryProbe.pinnedContext(t.certPem(), null, null)
            : RegistryProbe.pinnedContext(t.certPem(), tls.client().keyPem(), tls.client().certPem()))
        .orElse(null);
    String base = plan.scheme() + "://127.0.0.1:" + ContainerReconciler.port(plan);
    RegistryConfig config = facts.config();
    return new Access(Optional.of(new RegistryAccess(base, ssl, config.basicAuth(), config.tokenAuth().isPresent(), plan.netloc())), Optional.empty());
  }

  private static String host(String url) {
    String host = java.net.URI.create(url).getHost();
    return host == null ? "" : host.replaceAll("^\\[|\\]$", "");
  }

  /** Problems that stop the reconcile before any change. */
  public Optional<Status> precheck(Facts facts) {
    if (!facts.config().problems().isEmpty()) {
      facts.config().problems().forEach(p -> tools.log(LogLevel.WARNING, "Invalid option " + p.option() + ": " + p.reason()));
      return Optional.of(Status.blocked(facts.config().statusMessage()));
    }
    List<RegistryConfig.Problem> forClients = facts.config().clientProblems();
    if (!forClients.isEmpty() && !relations.ids(Relations.CLIENTS).isEmpty()) {
      // Applying it would lock the clients out with the old password; publishing it would break
      // every node's containerd config: the registry and the relation keep the previous one.
      forClients.forEach(p -> tools.log(LogLevel.WARNING, "Invalid option " + p.option() + ": " + p.reason()));
      return Optional.of(Status.blocked(RegistryConfig.statusMessage(forClients)));
    }
    if (facts.httpSecret() == null || facts.httpSecret().isEmpty()) {
      return Optional.of(Status.waiting("Waiting for the leader to share the http secret"));
    }
    if (facts.state().containsKey(SERIES_UPGRADE)) {
      return Optional.of(Status.blocked("Series upgrade in progress"));
    }
    return Optional.empty();
  }

  /** Plans and applies; returns the status to report. */
  public Status converge(Facts facts) {
    readyNow = null;
    Optional<Status> early = precheck(facts);
    if (early.isPresent()) {
      return early.get();
    }
    Desired desired = desire(facts);
    if (desired.problem().isPresent()) {
      return desired.problem().get();
    }
    publishWebsite(facts, desired);
    return apply(facts, desired);
  }

  /**
   * The website relation follows the plan, not this unit's container or engine: a leader whose
   * engine is down still publishes every unit for haproxy (see {@link Relations#website}).
   */
  private void publishWebsite(Facts facts, Desired desired) {
    relations.website(desired.plan(), facts.config(), secret.peerRelation(), secret.peerAppData());
  }

  private Status apply(Facts facts, Desired desired) {
    Plan plan = desired.plan();
    List<String> refusedPorts = List.of();
    try (RegistryContainer engine = docker.get()) {
      if (!engine.engineAnswers()) {
        return Status.waiting("Waiting for the Docker engine");
      }
      boolean repaired;
      List<Before> replaced = new ArrayList<>();
      try {
        repaired = applyFiles(plan, replaced);
      } catch (HostFiles.NotAFile e) {
        tools.log(LogLevel.ERROR, e.getMessage() + "; the registry needs a file there");
        return Status.blocked(e.path() + " is a directory; remove it so the charm can write the file");
      }
      ContainerReconciler.Outcome outcome = containers.ensure(engine, plan, facts.state(), repaired, desired.probe(),
          facts.config().storageBackend() != RegistryConfig.StorageBackend.FILESYSTEM, () -> restore(replaced));
      noteReplacement(facts, plan, outcome);
      if (outcome.atPlan()) {
        refusedPorts = applyPorts(stoppedByOperator(facts, plan) ? new TreeSet<>() : plan.ports());
        trust.apply(plan, desired.tls(), facts.state());
        relations.publish(plan, facts.config(), desired.tls(), secret.peerRelation());
        if (facts.config().storageBackend() == RegistryConfig.StorageBackend.FILESYSTEM && relations.units() > 1) {
          tools.log(LogLevel.WARNING, relations.units() + " units store images on their own disks (filesystem storage): "
              + "a unit serves only what was pushed to it; use swift or s3 storage to share them");
        }
      }
      if (outcome.status().isPresent()) {
        return outcome.status().get();
      }
    } catch (EngineUnavailable e) {
      tools.log(LogLevel.WARNING, e.getMessage());
      return engineWaiting(e);
    }
    RegistryProbe.Answer answer = desired.probe().awaitAnswer(ANSWER_TIMEOUT_MILLIS);
    if (answer == RegistryProbe.Answer.UNHEALTHY) {
      return storageUnavailable(facts.config());
    }
    if (answer == RegistryProbe.Answer.NONE) {
      return notAnswering(plan);
    }
    if (!refusedPorts.isEmpty()) {
      return portsHeld(refusedPorts); // no ready record: every update-status tries again
    }
    return readyNow(desired, facts);
  }

  /** Our container is at the plan and its registry does not answer: what the container does. */
  private Status notAnswering(Plan plan) {
    try (RegistryContainer engine = docker.get()) {
      return containers.notAnswering(engine, plan);
    } catch (EngineUnavailable e) {
      tools.log(LogLevel.WARNING, e.getMessage());
      return engineWaiting(e);
    }
  }

  /** The stop action stopped this container: its ports stay closed until the start action. */
  private static boolean stoppedByOperator(Facts facts, Plan plan) {
    return plan.container().name().equals(facts.state().get(STOPPED));
  }

  /** A file as it was before this hook replaced or removed it, to put back for a rollback. */
  private record Before(String path, byte[] content, String mode) {}

  /**
   * Writes the planned files, the htpasswd entry and the directories, and removes the charm's
   * files the plan does not use; returns whether the content of a file in the spec hash was
   * (re)written. {@code replaced} receives the files it overwrote or removed, as they were.
   */
  private boolean applyFiles(Plan plan, List<Before> replaced) {
    for (Plan.DirSpec d : plan.directories()) {
      files.ensureDirectoryWithMode(d.path(), d.mode());
    }
    boolean content = false;
    for (Plan.FileSpec f : plan.files()) {
      Optional<Before> before = snapshot(f.path());
      HostFiles.Change change = files.ensureFile(f.path(), f.content().getBytes(StandardCharsets.UTF_8), f.mode());
      if (change == HostFiles.Change.CONTENT) {
        before.ifPresent(replaced::add);
      }
      content |= report(f.path(), f.mode(), change);
    }
    plan.htpasswd().ifPresent(this::applyHtpasswd);
    for (String path : plan.absent()) {
      Optional<Before> before = snapshot(path);
      if (files.delete(path)) {
        before.ifPresent(replaced::add);
        tools.log(LogLevel.INFO, "Removed " + path + " (no longer used)");
      }
    }
    files.ensureDirectory(Planner.DATA_DIR, "rwxr-xr-x");
    return content;
  }

  /**
   * Basic auth: the htpasswd entry is rewritten (atomically, with a fresh salt) only when it does
   * not verify the configured password. The registry notices the new file by its mtime: a
   * password change needs no restart.
   */
  private void applyHtpasswd(Plan.Credentials c) {
    Optional<String> line = firstLine(c.path());
    if (line.isPresent() && Htpasswd.verifies(line.get(), c.user(), c.password())) {
      report(c.path(), "rw-------", files.ensureFile(c.path(), (line.get() + "\n").getBytes(StandardCharsets.UTF_8), "rw-------"));
      return;
    }
    files.ensureFile(c.path(), (Htpasswd.line(c.user(), c.password()) + "\n").getBytes(StandardCharsets.UTF_8), "rw-------");
    tools.log(LogLevel.INFO, "Wrote " + c.path() + " for user " + c.user());
  }

  private Optional<Before> snapshot(String path) {
    Optional<String> mode = files.mode(path);
    Optional<byte[]> content = mode.isPresent() ? files.read(path) : Optional.empty();
    return content.map(c -> new Before(path, c, mode.get()));
  }

  /**
   * The new container could not start: the previous one is started again, and must find the
   * files it was started with (a registry reads its config.yml when it starts, and one that
   * exits on the new file would take the previous one down with it).
   */
  private void restore(List<Before> replaced) {
    for (Before b : replaced) {
      files.ensureFile(b.path(), b.content(), b.mode());
      tools.log(LogLevel.INFO, "Put back " + b.path() + " as the previous container had it");
    }
  }

  private Optional<String> firstLine(String path) {
    if (!files.isRegularFile(path)) {
      return Optional.empty();
    }
    return files.read(path).map(b -> new String(b, StandardCharsets.UTF_8).lines().findFirst().orElse(""));
  }

  private boolean report(String path, String mode, HostFiles.Change change) {
    if (change == HostFiles.Change.CONTENT) {
      tools.log(LogLevel.INFO, "Wrote " + path);
    } else if (change == HostFiles.Change.MODE) {
      tools.log(LogLevel.INFO, "Fixed the mode of " + path + " (" + mode + ")");
    }
    return change == HostFiles.Change.CONTENT;
  }

  /**
   * Opens the wanted TCP ports and closes the others; returns the ports Juju would not open
   * because another unit on this machine has opened them (open-port exits 1, "port range
   * conflicts with …"), with Juju's words. The registry still serves on such a port: only
   * Juju's record of it (and so exposing it) is refused.
   */
  private List<String> applyPorts(SortedSet<Integer> wanted) {
    SortedSet<Integer> open = new TreeSet<>();
    for (String entry : tools.openedPorts()) {
      Optional<OpenedPort> port = OpenedPort.parse(entry);
      if (port.isEmpty()) {
        continue;
      }
      if (port.get().protocol().equals("tcp") && wanted.contains(port.get().port())) {
        open.add(port.get().port());
      } else {
        tools.closePort(port.get().port(), port.get().protocol());
      }
    }
    List<String> refused = new ArrayList<>();
    for (int port : wanted) {
      if (!open.contains(port)) {
        try {
          tools.openPort(port, "tcp");
        } catch (charm.juju.HookToolException e) {
          if (!e.error().contains("conflicts with")) {
            throw e;
          }
          tools.log(LogLevel.ERROR, "Juju refused to open " + port + "/tcp: " + e.error());
          refused.add(port + "/tcp (" + e.error().replaceFirst("^cannot open [^:]*: ", "") + ")");
        }
      }
    }
    return refused;
  }

  /** Whether Juju has exactly the planned TCP ports open for the unit (one opened-ports call). */
  private boolean portsOpen(SortedSet<Integer> wanted) {
    SortedSet<Integer> open = new TreeSet<>();
    for (String entry : tools.openedPorts()) {
      Optional<OpenedPort> port = OpenedPort.parse(entry);
      if (port.isEmpty() || !port.get().protocol().equals("tcp")) {
        return false;
      }
      open.add(port.get().port());
    }
    return open.equals(wanted);
  }

  /** The status while Juju refuses to open some of the registry's ports ({@link #applyPorts}). */
  static Status portsHeld(List<String> refused) {
    return Status.blocked("Cannot open " + String.join(", ", refused) + ": another unit on this machine opened it; "
        + "choose another registry-port" + (refused.size() > 1 ? " or debug port" : ""));
  }

  /**
   * Whether the files on disk are the planned ones, content and mode. The htpasswd entry is only
   * checked for its user and mode: verifying bcrypt costs about as much as the rest of the hook,
   * and the password can only change with config-changed, which runs the full reconcile.
   */
  private boolean filesMatch(Plan plan) {
    for (Plan.FileSpec f : plan.files()) {
      if (!files.matches(f.path(), f.content().getBytes(StandardCharsets.UTF_8), f.mode())) {
        return false;
      }
    }
    if (plan.htpasswd().isPresent()) {
      Plan.Credentials c = plan.htpasswd().get();
      if (!files.hasMode(c.path(), "rw-------") || !firstLine(c.path()).orElse("").startsWith(c.user() + ":")) {
        return false;
      }
    }
    return plan.absent().stream().noneMatch(files::exists);
  }

  /**
   * Whether our container runs with the planned spec (one GET on the engine socket), the engine
   * trusts it as planned and the process on its port is a distribution registry, healthy or not
   * ({@link RegistryProbe.Answer}); NONE when anything is off. Anything else answering HTTP there
   * does not count.
   */
  private RegistryProbe.Answer serving(Desired desired) {
    Plan plan = desired.plan();
    try (RegistryContainer engine = docker.get()) {
      Optional<ContainerState> c = engine.inspect(plan.container().name());
      if (c.isEmpty() || !owner.owns(c.get().labels()) || !c.get().running() || c.get().paused()
          || !plan.container().hash().equals(c.get().specHash())
          || ContainerReconciler.differsFromSpec(c.get(), plan.container(), files).isPresent()) {
        return RegistryProbe.Answer.NONE;
      }
    }
    RegistryProbe.Answer answer = desired.probe().answer(1000);
    return answer != RegistryProbe.Answer.NONE && trust.matches(plan, desired.tls()) ? answer : RegistryProbe.Answer.NONE;
  }

  /**
   * The registry runs as planned but answers 503: its storage health check (every 10 s, failing
   * after 3 in a row) fails, so it refuses every request until the storage answers again, which
   * it checks on its own. Nothing to change on the unit: the container stays as it is.
   */
  static Status storageUnavailable(RegistryConfig config) {
    String storage = config.storageBackend().name().toLowerCase(java.util.Locale.ROOT);
    return Status.blocked("Storage unavailable: the registry answers 503, its " + storage
        + " storage fails its health check; it serves again once the storage answers");
  }

  /** The engine stopped answering: transient, the next hook (update-status at the latest) retries. */
  static Status engineWaiting(EngineUnavailable e) {
    return Status.waiting("Waiting for the Docker engine: " + e.reason());
  }

  /**
   * "Ready at 10.0.0.5:5000 (https, proxied)." with what an operator should know: units that do
   * not share their images, a certificate near its expiry.
   */
  private Status ready(Desired desired, RegistryConfig config) {
    Plan plan = desired.plan();
    StringBuilder message = new StringBuilder("Ready at " + plan.netloc() + " (" + plan.scheme() + (desired.proxied() ? ", proxied" : "") + ").");
    if (config.storageBackend() == RegistryConfig.StorageBackend.FILESYSTEM && relations.units() > 1) {
      // Each unit stores on its own disk: behind a proxy, a pull may reach a unit without the image.
      message.append(" Units on filesystem storage do not share images.");
    }
    String warning = desired.tls().warning();
    if (warning != null) {
      message.append(" The ").append(warning).append('.');
    }
    trust.note().ifPresent(note -> message.append(' ').append(note));
    relations.note().ifPresent(note -> message.append(' ').append(note));
    return Status.active(message.toString());
  }
}
