package jujusim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.InetAddress;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for Juju around the units of one charm (see docs/ARCHITECTURE.md, "The unit
 * simulator", and shared/juju/hook-tools.md). Each operation runs the hooks Juju would run, in
 * Juju's order, through the charm's real {@code dispatch}, and saves the model.
 */
public final class Sim {
  /** Unit names ordered by application, then number. */
  public static final Comparator<String> UNIT_ORDER =
      Comparator.comparing((String u) -> u.contains("/") ? u.substring(0, u.indexOf('/')) : u)
          .thenComparingInt(
              u -> {
                try {
                  return Integer.parseInt(u.substring(u.indexOf('/') + 1));
                } catch (NumberFormatException e) {
                  return Integer.MAX_VALUE;
                }
              });

  private static final String MODEL_FILE = "model.json";
  private static final int MAX_EVENTS = 2000;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path workDir;
  private final Model model;
  private Charm charm;
  private final Object lock = new Object();
  private final Deque<Model.Event> queue = new ArrayDeque<>();
  private final List<HookResult> results = new ArrayList<>();
  private List<HookResult> lastResults = new ArrayList<>();
  private boolean scriptChecked;
  /** The hook or action process running now, for {@link #killRunningHook}; null between runs. */
  private volatile Process running;

  private Sim(Path workDir, Model model) {
    this.workDir = workDir.toAbsolutePath();
    this.model = model;
    this.charm = new Charm(Path.of(model.charm));
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** A new model for the charm ({@code .charm} zip or directory) in {@code workDir}. */
  public static Sim create(Path workDir, Path charm, SimOptions opts) {
    if (Files.exists(workDir.resolve(MODEL_FILE))) {
      throw new SimException("a model already exists in " + workDir);
    }
    Model m = new Model();
    m.charm = charm.toAbsolutePath().toString();
    Charm c = new Charm(charm);
    m.application = opts.application != null ? opts.application : c.name;
    m.modelName = opts.modelName;
    m.modelUuid = UUID.randomUUID().toString();
    m.env.putAll(opts.env);
    m.hookTimeoutMillis = opts.hookTimeout.toMillis();
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Sim sim = new Sim(workDir, m);
    sim.save();
    return sim;
  }

  /** A new model for the charm with default options. */
  public static Sim create(Path workDir, Path charm) {
    return create(workDir, charm, SimOptions.defaults());
  }

  /** Continues the model saved in {@code workDir}. */
  public static Sim load(Path workDir) {
    Path file = workDir.resolve(MODEL_FILE);
    if (!Files.exists(file)) {
      throw new SimException("no model in " + workDir + " (deploy first)");
    }
    try {
      return new Sim(workDir, JSON.readValue(file.toFile(), Model.class));
    } catch (IOException e) {
      throw new SimException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public static boolean exists(Path workDir) {
    return Files.exists(workDir.resolve(MODEL_FILE));
  }

  /** Writes the model to {@code <workDir>/model.json} (every operation also does this). */
  public void save() {
    try {
      JSON.writeValue(workDir.resolve(MODEL_FILE).toFile(), model);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path workDir() {
    return workDir;
  }

  /** The model itself (live; changes are saved by the next operation or {@link #save()}). */
  public Model model() {
    return model;
  }

  // ---- operations -------------------------------------------------------------------------

  /**
   * Deploys {@code n} units: on each, install → peer -relation-created → leader-elected (first
   * unit) or leader-settings-changed → config-changed → start; then peer -joined/-changed.
   */
  public List<HookResult> deploy(int n) {
    if (!liveUnits().isEmpty()) {
      throw new SimException("application " + Fmt.goQuote(model.application) + " already deployed (use addUnit)");
    }
    if (n < 1) {
      throw new SimException("number of units must be at least 1");
    }
    List<String> added = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      added.add(newUnit());
    }
    return perform(() -> queueJoin(added));
  }

  /** Adds one unit (same sequence as deploy; existing peers see it join). */
  public List<HookResult> addUnit() {
    if (liveUnits().isEmpty()) {
      return deploy(1);
    }
    String u = newUnit();
    return perform(() -> queueJoin(List.of(u)));
  }

  /** The name of the unit most recently added. */
  public String lastUnit() {
    List<String> units = liveUnits();
    return units.get(units.size() - 1);
  }

  private String newUnit() {
    Model.Unit u = new Model.Unit();
    u.name = model.application + "/" + model.nextUnit++;
    u.address = model.unitAddresses.getOrDefault(u.name, u.address);
    u.machine = model.unitMachines.getOrDefault(u.name, String.valueOf(u.number()));
    u.leader = liveUnits().isEmpty();
    model.units.put(u.name, u);
    return u.name;
  }

  private void queueJoin(List<String> added) {
    for (String ep : charm.peerEndpoints()) {
      if (peerRelation(ep) == null) {
        Model.Relation r = new Model.Relation();
        r.id = model.nextRelationId++;
        r.endpoint = ep;
        r.iface = charm.endpoints.get(ep)[1];
        r.role = "peers";
        r.remoteApp = model.application;
        model.relations.put(r.id, r);
      }
    }
    for (String u : added) {
      enqueue(u, "install");
      for (Model.Relation r : model.relations.values()) {
        enqueueRel(u, r.endpoint + "-relation-created", r, "", null);
      }
      enqueue(u, unit(u).leader ? "leader-elected" : "leader-settings-changed");
      enqueue(u, "config-changed");
      enqueue(u, "start");
    }
    for (Model.Relation r : model.relations.values()) {
      List<String> units = liveUnits();
      for (String u : units) {
        List<String> others =
            r.peer() ? units.stream().filter(x -> !x.equals(u)).toList() : r.remoteUnits;
        for (String o : others) {
          if (added.contains(u) || added.contains(o)) {
            enqueueRel(u, r.endpoint + "-relation-joined", r, o, null);
            enqueueRel(u, r.endpoint + "-relation-changed", r, o, null);
          }
        }
      }
    }
  }

  /** Removes a unit: -departed/-broken for its relations, stop, remove; peers see it depart. */
  public List<HookResult> removeUnit(String unitName) {
    Model.Unit u = unit(unitName);
    boolean wasLeader = u.leader;
    return perform(
        () -> {
          for (Model.Relation r : model.relations.values()) {
            if (r.peer()) {
              for (String other : liveUnits()) {
                if (!other.equals(unitName) && r.members.containsKey(other)) {
                  enqueueRel(other, r.endpoint + "-relation-departed", r, unitName, unitName);
                }
              }
            }
          }
          queueTeardown(unitName);
          if (wasLeader) {
            u.leader = false;
            liveUnits().stream()
                .filter(x -> !x.equals(unitName))
                .findFirst()
                .ifPresent(
                    next -> {
                      unit(next).leader = true;
                      enqueue(next, "leader-elected");
                    });
          }
        });
  }

  private void queueTeardown(String unitName) {
    for (Model.Relation r : model.relations.values()) {
      List<String> members = r.members.get(unitName);
      if (members == null) {
        continue;
      }
      for (String m : members) {
        enqueueRel(unitName, r.endpoint + "-relation-departed", r, m, unitName);
      }
      if (!r.peer()) {
        enqueueRel(unitName, r.endpoint + "-relation-broken", r, "", null);
      }
    }
    enqueue(unitName, "stop");
    enqueue(unitName, "remove");
  }

  /** Removes the application: on every unit -departed/-broken, stop, remove. */
  public List<HookResult> remove() {
    List<HookResult> out =
        perform(
            () -> {
              for (String u : liveUnits()) {
                queueTeardown(u);
              }
            });
    model.removed = true;
    save();
    return out;
  }

  /** Runs {@link #remove()} (if anything is deployed) and deletes the work directory. */
  public List<HookResult> destroy() {
    List<HookResult> out = liveUnits().isEmpty() ? List.of() : remove();
    deleteTree(workDir);
    return out;
  }

  /**
   * {@code juju refresh --path}: the application now runs {@code newCharm} ({@code .charm} zip or
   * directory). Every unit's charm directory gets the new charm's files, then upgrade-charm and
   * config-changed run on each unit. Nothing else changes: units, leadership, leader settings,
   * relations and their data, unit state, opened ports, statuses. Values set for options the new
   * charm does not declare are dropped. Refused when the new charm has another name or lacks an
   * endpoint a relation uses; peer relations it adds are not created.
   */
  public List<HookResult> refresh(Path newCharm) {
    if (liveUnits().isEmpty()) {
      throw new SimException("application " + Fmt.goQuote(model.application) + " is not deployed");
    }
    Charm next = new Charm(newCharm);
    if (!next.name.equals(charm.name)) {
      throw new SimException("cannot refresh " + Fmt.goQuote(charm.name) + " to a charm named " + Fmt.goQuote(next.name));
    }
    for (Model.Relation r : model.relations.values()) {
      if (!next.hasEndpoint(r.endpoint)) {
        throw new SimException("cannot refresh: the new charm has no " + Fmt.goQuote(r.endpoint) + " endpoint, which relation " + r.id + " uses");
      }
    }
    model.charm = newCharm.toAbsolutePath().toString();
    charm = next;
    model.config.keySet().removeIf(option -> !next.options.containsKey(option));
    for (String u : liveUnits()) {
      deleteTree(unitDir(u).resolve("charm")); // an unpacked zip; a charm directory is used in place
    }
    return perform(() -> liveUnits().forEach(u -> {
      enqueue(u, "upgrade-charm");
      enqueue(u, "config-changed");
    }));
  }

  /** {@code juju config}: validates, then config-changed on every unit. */
  public List<HookResult> config(Map<String, Object> set, Collection<String> reset) {
    Config.apply(charm, model.config, set == null ? Map.of() : set, reset == null ? List.of() : reset);
    return perform(() -> liveUnits().forEach(u -> enqueue(u, "config-changed")));
  }

  /** Runs one non-relation hook (e.g. update-status) on a unit. */
  public HookResult hook(String unitName, String hookName) {
    unit(unitName);
    List<HookResult> rs =
        perform(
            () -> {
              Model.Relation r = null;
              String remote = "";
              int idx = hookName.indexOf("-relation-");
              if (idx > 0) {
                String ep = hookName.substring(0, idx);
                r = model.relations.values().stream().filter(x -> x.endpoint.equals(ep)).findFirst()
                    .orElseThrow(() -> new SimException("no relation on endpoint " + Fmt.goQuote(ep)));
                List<String> m = r.members.getOrDefault(unitName, List.of());
                if (!hookName.endsWith("-created") && !hookName.endsWith("-broken") && !m.isEmpty()) {
                  remote = m.get(0);
                }
              }
              if (r == null) {
                enqueue(unitName, hookName);
              } else {
                enqueueRel(unitName, hookName, r, remote, hookName.endsWith("-departed") ? remote : null);
              }
            });
    return rs.stream().filter(x -> x.unit().equals(unitName) && x.hook().equals(hookName)).findFirst()
        .orElse(new HookResult(unitName, hookName, 0, "", "", 0, false, List.of()));
  }

  /** Runs a hook on every unit (e.g. update-status). */
  public List<HookResult> hookAll(String hookName) {
    return perform(() -> liveUnits().forEach(u -> enqueue(u, hookName)));
  }

  /**
   * {@code juju integrate}: relates {@code endpoint} to a fake remote application. Every unit
   * gets -created, then -joined/-changed for each remote unit. Returns the relation id.
   */
  public int integrate(
      String endpoint,
      String remoteApp,
      List<String> remoteUnits,
      Map<String, String> remoteAppData,
      Map<String, Map<String, String>> remoteUnitData) {
    String[] ep = charm.endpoints.get(endpoint);
    if (ep == null) {
      throw new SimException("application " + Fmt.goQuote(model.application) + " has no " + Fmt.goQuote(endpoint) + " relation");
    }
    if (ep[0].equals("peers")) {
      throw new SimException("endpoint " + Fmt.goQuote(endpoint) + " is a peer relation; Juju manages it");
    }
    if (remoteApp == null || !remoteApp.matches("^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$")) {
      throw new SimException("invalid application name " + Fmt.goQuote(String.valueOf(remoteApp)));
    }
    if (remoteApp.equals(model.application)) {
      throw new SimException("cannot relate the application to itself");
    }
    for (Model.Relation r : model.relations.values()) {
      if (r.endpoint.equals(endpoint) && remoteApp.equals(r.remoteApp)) {
        throw new SimException("relation " + endpoint + " " + remoteApp + " already exists");
      }
    }
    List<String> units = remoteUnits == null ? List.of() : remoteUnits;
    for (String u : units) {
      if (!u.matches("^" + remoteApp + "/[0-9]+$")) {
        throw new SimException("remote unit " + Fmt.goQuote(u) + " is not a unit of " + Fmt.goQuote(remoteApp));
      }
    }
    Model.Relation r = new Model.Relation();
    r.id = model.nextRelationId++;
    r.endpoint = endpoint;
    r.role = ep[0];
    r.iface = ep[1];
    r.remoteApp = remoteApp;
    if (remoteAppData != null) {
      r.remoteAppData.putAll(remoteAppData);
    }
    for (String u : units) {
      addRemote(r, u, remoteUnitData == null ? null : remoteUnitData.get(u));
    }
    model.relations.put(r.id, r);
    perform(
        () -> {
          for (String u : liveUnits()) {
            enqueueRel(u, endpoint + "-relation-created", r, "", null);
            for (String ru : r.remoteUnits) {
              enqueueRel(u, endpoint + "-relation-joined", r, ru, null);
              enqueueRel(u, endpoint + "-relation-changed", r, ru, null);
            }
          }
        });
    return r.id;
  }

  private void addRemote(Model.Relation r, String u, Map<String, String> data) {
    r.remoteUnits.add(u);
    r.remoteUnits.sort(UNIT_ORDER);
    int n = Integer.parseInt(u.substring(u.indexOf('/') + 1));
    String addr = "10.1." + (r.id % 256) + "." + (n % 250 + 1);
    Map<String, String> bag = new TreeMap<>();
    bag.put("private-address", addr);
    bag.put("ingress-address", addr);
    bag.put("egress-subnets", addr + "/32");
    if (data != null) {
      HookContext.overlay(bag, emptyDeletes(data));
    }
    r.remoteUnitData.put(u, bag);
  }

  private static Map<String, String> emptyDeletes(Map<String, String> data) {
    Map<String, String> m = new LinkedHashMap<>();
    data.forEach((k, v) -> m.put(k, v == null || v.isEmpty() ? null : v));
    return m;
  }

  /** The remote unit writes its bag (merge; "" deletes): -relation-changed on every unit. */
  public List<HookResult> setRemoteUnitData(int relationId, String remoteUnit, Map<String, String> data) {
    Model.Relation r = relation(relationId);
    if (!r.remoteUnits.contains(remoteUnit)) {
      throw new SimException("unit " + Fmt.goQuote(remoteUnit) + " is not in relation " + r.key());
    }
    HookContext.overlay(r.remoteUnitData.computeIfAbsent(remoteUnit, k -> new TreeMap<>()), emptyDeletes(data));
    return perform(
        () -> {
          for (String u : liveUnits()) {
            if (r.members.getOrDefault(u, List.of()).contains(remoteUnit)) {
              enqueueRel(u, r.endpoint + "-relation-changed", r, remoteUnit, null);
            }
          }
        });
  }

  /** The remote leader writes its app bag (merge; "" deletes): -relation-changed on every unit. */
  public List<HookResult> setRemoteAppData(int relationId, Map<String, String> data) {
    Model.Relation r = relation(relationId);
    if (r.peer()) {
      throw new SimException("relation " + r.key() + " is a peer relation");
    }
    HookContext.overlay(r.remoteAppData, emptyDeletes(data));
    return perform(
        () -> {
          for (String u : liveUnits()) {
            if (r.members.containsKey(u)) {
              enqueueRel(u, r.endpoint + "-relation-changed", r, "", null);
            }
          }
        });
  }

  /** A new remote unit joins: -joined/-changed on every unit. */
  public List<HookResult> addRemoteUnit(int relationId, String remoteUnit, Map<String, String> data) {
    Model.Relation r = relation(relationId);
    if (r.peer() || !remoteUnit.startsWith(r.remoteApp + "/") || r.remoteUnits.contains(remoteUnit)) {
      throw new SimException("cannot add remote unit " + Fmt.goQuote(remoteUnit) + " to relation " + r.key());
    }
    addRemote(r, remoteUnit, data);
    return perform(
        () -> {
          for (String u : liveUnits()) {
            if (r.members.containsKey(u)) {
              enqueueRel(u, r.endpoint + "-relation-joined", r, remoteUnit, null);
              enqueueRel(u, r.endpoint + "-relation-changed", r, remoteUnit, null);
            }
          }
        });
  }

  /** A remote unit leaves: -departed on every unit (its bag stays readable). */
  public List<HookResult> removeRemoteUnit(int relationId, String remoteUnit) {
    Model.Relation r = relation(relationId);
    if (!r.remoteUnits.remove(remoteUnit)) {
      throw new SimException("unit " + Fmt.goQuote(remoteUnit) + " is not in relation " + r.key());
    }
    return perform(
        () -> {
          for (String u : liveUnits()) {
            if (r.members.getOrDefault(u, List.of()).contains(remoteUnit)) {
              enqueueRel(u, r.endpoint + "-relation-departed", r, remoteUnit, remoteUnit);
            }
          }
        });
  }

  /** {@code juju remove-relation}: -departed per remote unit, then -broken, on every unit. */
  public List<HookResult> removeRelation(int relationId) {
    Model.Relation r = relation(relationId);
    if (r.peer()) {
      throw new SimException("cannot remove a peer relation");
    }
    return perform(
        () -> {
          for (String u : liveUnits()) {
            List<String> members = r.members.get(u);
            if (members == null) {
              continue;
            }
            for (String m : members) {
              enqueueRel(u, r.endpoint + "-relation-departed", r, m, m);
            }
            enqueueRel(u, r.endpoint + "-relation-broken", r, "", null);
          }
        });
  }

  /** Moves leadership to {@code unitName}: leader-elected runs there. */
  public List<HookResult> setLeader(String unitName) {
    Model.Unit target = unit(unitName);
    if (target.leader) {
      return List.of();
    }
    model.units.values().forEach(u -> u.leader = false);
    target.leader = true;
    return perform(() -> enqueue(unitName, "leader-elected"));
  }

  /** {@code juju resolved [--no-retry]}: clears the error; retries the hook unless told not to. */
  public List<HookResult> resolve(String unitName, boolean retry) {
    Model.Unit u = unit(unitName);
    if (u.errorHook == null) {
      throw new SimException("unit " + Fmt.goQuote(unitName) + " is not in an error state");
    }
    Model.Event failed = u.failedEvent;
    u.errorHook = null;
    u.failedEvent = null;
    List<Model.Event> held = new ArrayList<>(u.pending);
    u.pending.clear();
    return perform(
        () -> {
          if (retry && failed != null) {
            queue.add(failed);
          }
          queue.addAll(held);
        });
  }

  /** Attaches a resource file (what resource-get then returns). */
  public void attachResource(String name, Path file) {
    if (!charm.resources.contains(name)) {
      throw new SimException("charm has no resource " + Fmt.goQuote(name));
    }
    model.resources.put(name, file.toAbsolutePath().toString());
    save();
  }

  /** Sets a unit's address (network-get, unit-get, relation bags); default 127.0.0.1. */
  public void setAddress(String unitName, String address) {
    unit(unitName).address = address;
    save();
  }

  /**
   * {@code juju run <unit> <action> k=v...}: checks params against actions.yaml and fills
   * defaults (throws {@link SimException} like juju run would), then runs the action.
   */
  public ActionOutcome runAction(String unitName, String action, Map<String, Object> params) {
    Model.Unit u = unit(unitName);
    Map<String, Object> checked = Actions.validate(charm, unitName, action, params);
    ActionOutcome o = new ActionOutcome();
    o.unit = unitName;
    o.action = action;
    o.id = UUID.randomUUID().toString();
    o.params = checked;
    lastResults = new ArrayList<>();
    HookContext ctx = newContext(u, action, true, null, "", null);
    ctx.actionParams = checked;
    Map<String, String> env = baseEnv(ctx);
    env.put("JUJU_ACTION_NAME", action);
    env.put("JUJU_ACTION_UUID", o.id);
    env.put("JUJU_ACTION_TAG", "action-" + o.id);
    HookResult res = execute(ctx, env, "actions/" + action);
    if (!res.ran()) {
      o.status = "failed";
      o.message = "action not implemented on unit " + Fmt.goQuote(unitName);
      o.exitCode = 0;
    } else {
      o.exitCode = res.exitCode();
      o.stdout = res.stdout();
      o.stderr = res.stderr();
      o.results.putAll(ctx.actionResults);
      o.results.put("return-code", res.exitCode());
      if (!res.stdout().isEmpty()) {
        o.results.put("stdout", res.stdout());
      }
      if (!res.stderr().isEmpty()) {
        o.results.put("stderr", res.stderr());
      }
      o.logs.addAll(ctx.actionLogs);
      if (res.exitCode() != 0) {
        o.status = "failed";
        o.message = "exit status " + res.exitCode();
        afterCommit(ctx, List.of());
      } else {
        afterCommit(ctx, commitLocked(ctx));
        o.status = ctx.actionFailed ? "failed" : "completed";
        o.message = ctx.actionFailed ? ctx.actionFailMessage : "";
      }
    }
    u.hooks.add(new Model.HookRecord("action:" + action, res.exitCode(), res.millis()));
    model.lastAction = o;
    drain();
    save();
    return o;
  }

  // ---- event machinery --------------------------------------------------------------------

  private List<HookResult> perform(Runnable queueing) {
    lastResults = new ArrayList<>();
    queueing.run();
    drain();
    save();
    return List.copyOf(lastResults);
  }

  private void enqueue(String unitName, String hook) {
    queue.add(new Model.Event(unitName, hook));
  }

  private void enqueueRel(String unitName, String hook, Model.Relation r, String remote, String departing) {
    Model.Event e = new Model.Event(unitName, hook);
    e.relationId = r.id;
    e.remoteUnit = remote;
    e.departingUnit = departing;
    queue.add(e);
  }

  private void drain() {
    int count = 0;
    while (!queue.isEmpty()) {
      if (++count > MAX_EVENTS) {
        queue.clear();
        throw new SimException("more than " + MAX_EVENTS + " hooks in one operation (a relation-changed loop?)");
      }
      runEvent(queue.poll());
    }
  }

  private void runEvent(Model.Event ev) {
    Model.Unit u = model.units.get(ev.unit);
    if (u == null || u.removed) {
      return;
    }
    if (u.errorHook != null) {
      u.pending.add(ev);
      return;
    }
    Model.Relation r = ev.relationId == null ? null : model.relations.get(ev.relationId);
    if (ev.relationId != null && r == null) {
      return;
    }
    String hook = ev.hook;
    if (r != null) {
      List<String> members = r.members.computeIfAbsent(u.name, k -> new ArrayList<>());
      Map<String, String> own = r.localUnitData.computeIfAbsent(u.name, k -> new TreeMap<>());
      own.putIfAbsent("private-address", u.address);
      own.putIfAbsent("ingress-address", u.address);
      own.putIfAbsent("egress-subnets", u.address + "/32");
      if (hook.endsWith("-relation-joined") && !members.contains(ev.remoteUnit)) {
        members.add(ev.remoteUnit);
        members.sort(UNIT_ORDER);
      } else if (hook.endsWith("-relation-departed")) {
        members.remove(ev.remoteUnit);
      } else if (hook.endsWith("-relation-broken")) {
        members.clear();
      }
    }
    if (hook.equals("install") && !u.statusEverSet) {
      setUnitStatus(u, new Model.StatusInfo("maintenance", "installing charm software"));
    } else if (hook.equals("stop")) {
      setUnitStatus(u, new Model.StatusInfo("maintenance", "stopping charm software"));
    } else if (hook.equals("remove")) {
      setUnitStatus(u, new Model.StatusInfo("maintenance", "cleaning up prior to charm deletion"));
    }
    HookContext ctx = newContext(u, hook, false, r, ev.remoteUnit, ev.departingUnit);
    Map<String, String> env = baseEnv(ctx);
    if (r != null) {
      env.put("JUJU_RELATION", r.endpoint);
      env.put("JUJU_RELATION_ID", r.key());
      env.put("JUJU_REMOTE_APP", r.peer() ? model.application : r.remoteApp);
      env.put("JUJU_REMOTE_UNIT", ev.remoteUnit == null ? "" : ev.remoteUnit);
      if (hook.endsWith("-relation-departed")) {
        env.put("JUJU_DEPARTING_UNIT", ev.departingUnit == null ? "" : ev.departingUnit);
      }
    }
    if (hook.equals("pre-series-upgrade")) {
      env.put("JUJU_TARGET_BASE", "ubuntu@24.04");
    }
    HookResult res = execute(ctx, env, "hooks/" + hook);
    if (res.ran()) {
      u.hooks.add(new Model.HookRecord(hook, res.exitCode(), res.millis()));
    }
    if (res.exitCode() != 0) {
      u.errorHook = hook;
      u.failedEvent = ev;
      u.statusHistory.add(new Model.StatusInfo("error", "hook failed: \"" + hook + "\""));
      afterCommit(ctx, List.of());
      return;
    }
    afterCommit(ctx, commitLocked(ctx));
    if (hook.equals("start") && !u.statusEverSet) {
      setUnitStatus(u, new Model.StatusInfo("unknown", ""));
    } else if (hook.equals("stop")) {
      setUnitStatus(u, new Model.StatusInfo("maintenance", ""));
    } else if (hook.equals("remove")) {
      setUnitStatus(u, new Model.StatusInfo("terminated", ""));
      u.removed = true;
      u.leader = false;
      for (Model.Relation rel : model.relations.values()) {
        rel.members.remove(u.name);
        rel.members.values().forEach(m -> m.remove(u.name));
      }
    }
    if (r != null && hook.endsWith("-relation-broken")) {
      r.members.remove(u.name);
      if (r.members.isEmpty() && !r.peer()) {
        model.relations.remove(r.id);
      }
    }
  }

  private List<Integer> commitLocked(HookContext ctx) {
    synchronized (lock) {
      return ctx.commit();
    }
  }

  /** Follow-up events: leader-settings-changed on non-leaders, peer -relation-changed. */
  private void afterCommit(HookContext ctx, List<Integer> changedRelations) {
    if (ctx.leaderSettingsChanged) {
      for (String other : liveUnits()) {
        if (!unit(other).leader) {
          queueUnique(new Model.Event(other, "leader-settings-changed"));
        }
      }
    }
    for (int id : changedRelations) {
      Model.Relation r = model.relations.get(id);
      if (r == null || !r.peer()) {
        continue;
      }
      for (String other : liveUnits()) {
        if (!other.equals(ctx.unit.name)
            && r.members.getOrDefault(other, List.of()).contains(ctx.unit.name)) {
          Model.Event e = new Model.Event(other, r.endpoint + "-relation-changed");
          e.relationId = r.id;
          e.remoteUnit = ctx.unit.name;
          queueUnique(e);
        }
      }
    }
  }

  private void queueUnique(Model.Event e) {
    for (Model.Event q : queue) {
      if (q.unit.equals(e.unit) && q.hook.equals(e.hook) && Objects.equals(q.relationId, e.relationId)
          && Objects.equals(q.remoteUnit, e.remoteUnit)) {
        return;
      }
    }
    queue.add(e);
  }

  // ---- running processes ------------------------------------------------------------------

  private HookContext newContext(
      Model.Unit u, String name, boolean action, Model.Relation r, String remote, String departing) {
    byte[] rnd = new byte[16];
    RANDOM.nextBytes(rnd);
    String id = u.name + "-" + name + "-" + HexFormat.of().formatHex(rnd);
    return new HookContext(id, model, charm, u, unitDir(u.name), name, action, r, remote, departing);
  }

  /** The unit's directory, {@code <workDir>/units/<app>-<n>}. */
  public Path unitDir(String unitName) {
    return workDir.resolve("units").resolve(unitName.replace('/', '-'));
  }

  /** The unit's charm directory (the charm dir itself when the charm is a directory). */
  public Path charmDir(String unitName) {
    return charm.materialize(unitDir(unitName).resolve("charm"));
  }

  private Path toolsDir(String unitName) {
    Path tools = unitDir(unitName).resolve("tools");
    try {
      Path script = workDir.resolve("hook-tool");
      if (!scriptChecked) {
        byte[] content;
        try (InputStream in = Sim.class.getResourceAsStream("/jujusim/hook-tool")) {
          if (in == null) {
            throw new SimException("hook-tool script missing from the classpath");
          }
          content = in.readAllBytes();
        }
        if (!Files.exists(script) || !java.util.Arrays.equals(Files.readAllBytes(script), content)) {
          Files.write(script, content);
          Files.setPosixFilePermissions(script, Charm.perms(0755));
        }
        scriptChecked = true;
      }
      if (!Files.isDirectory(tools)) {
        Files.createDirectories(tools);
        for (String t : Tools.NAMES) {
          Files.createSymbolicLink(tools.resolve(t), script);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return tools;
  }

  private Map<String, String> baseEnv(HookContext ctx) {
    String unitName = ctx.unit.name;
    Path charmDir = charmDir(unitName);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("JUJU_CHARM_DIR", charmDir.toString());
    env.put("CHARM_DIR", charmDir.toString());
    env.put("JUJU_CONTEXT_ID", ctx.id);
    env.put("JUJU_HOOK_NAME", ctx.action ? "" : ctx.name);
    env.put("JUJU_DISPATCH_PATH", (ctx.action ? "actions/" : "hooks/") + ctx.name);
    env.put("JUJU_UNIT_NAME", unitName);
    env.put("JUJU_MODEL_NAME", model.modelName);
    env.put("JUJU_MODEL_UUID", model.modelUuid);
    env.put("JUJU_VERSION", "3.6.4");
    env.put("JUJU_AGENT_SOCKET_NETWORK", "tcp");
    env.put("JUJU_API_ADDRESSES", "127.0.0.1:17070");
    env.put("JUJU_MACHINE_ID", ctx.unit.machine());
    env.put("JUJU_PRINCIPAL_UNIT", "");
    env.put("JUJU_AVAILABILITY_ZONE", "");
    env.put("CLOUD_API_VERSION", "");
    env.put("JUJU_CHARM_HTTP_PROXY", "");
    env.put("JUJU_CHARM_HTTPS_PROXY", "");
    env.put("JUJU_CHARM_FTP_PROXY", "");
    env.put("JUJU_CHARM_NO_PROXY", "");
    env.put("APT_LISTCHANGES_FRONTEND", "none");
    env.put("DEBIAN_FRONTEND", "noninteractive");
    env.put("LANG", "C.UTF-8");
    env.put("TERM", "tmux-256color");
    env.put(
        "PATH", toolsDir(unitName) + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    return env;
  }

  /**
   * A command to run every hook under, from {@code JUJUSIM_HOOK_WRAPPER} in the simulator's own
   * environment (space-separated), e.g. {@code /usr/bin/time -f %e,%M -a -o FILE} for the
   * benchmark script. Juju has no such thing; the hook's environment is unchanged.
   */
  private static List<String> hookWrapper() {
    String wrapper = System.getenv("JUJUSIM_HOOK_WRAPPER");
    return wrapper == null || wrapper.isBlank() ? List.of() : List.of(wrapper.trim().split("\\s+"));
  }

  /**
   * Kills the hook or action running now, with the processes it started, by SIGKILL: what a
   * machine reboot or a killed unit agent does to a hook. Its run ends with exit code 137, like
   * any failed hook: nothing it set through hook tools is committed and the unit is in error
   * until {@link #resolve} (with retry, what a restarted Juju agent does: it runs the interrupted
   * hook again). For tests of interrupted hooks, called from another thread than the one running
   * the hook.
   *
   * @return whether a process was running
   */
  public boolean killRunningHook() {
    Process p = running;
    if (p == null || !p.isAlive()) {
      return false;
    }
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    return true;
  }

  /** Runs dispatch (or the legacy hooks/actions file) with the tools server up. */
  private HookResult execute(HookContext ctx, Map<String, String> env, String dispatchPath) {
    String unitName = ctx.unit.name;
    Path charmDir = charmDir(unitName);
    Path handler = charmDir.resolve("dispatch");
    if (!Files.exists(handler)) {
      handler = charmDir.resolve(dispatchPath);
    }
    if (!Files.exists(handler)) {
      HookResult skipped = new HookResult(unitName, ctx.name, 0, "", "", 0, false, List.of());
      results.add(skipped);
      lastResults.add(skipped);
      return skipped;
    }
    long start = System.nanoTime();
    int code;
    String stdout;
    String stderr;
    Path outFile = unitDir(unitName).resolve(".hook-stdout");
    Path errFile = unitDir(unitName).resolve(".hook-stderr");
    String agent = model.unitAgentAddress.get(unitName);
    try (ToolServer server = agent == null ? new ToolServer(ctx, lock) : new ToolServer(ctx, lock, InetAddress.getByName(agent))) {
      env.put("JUJU_AGENT_SOCKET_ADDRESS", server.address());
      env.putAll(model.env);
      env.putAll(model.unitEnv.getOrDefault(unitName, Map.of()));
      List<String> argv = new ArrayList<>(hookWrapper());
      String netns = model.unitNetns.get(unitName);
      if (netns != null) {
        argv.addAll(List.of("ip", "netns", "exec", netns));
      }
      argv.add(handler.toString());
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.environment().clear();
      pb.environment().putAll(env);
      pb.directory(charmDir.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      pb.redirectOutput(outFile.toFile());
      pb.redirectError(errFile.toFile());
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        Files.writeString(errFile, "fork/exec " + handler + ": " + e.getMessage() + "\n");
        p = null;
      }
      running = p;
      if (p == null) {
        code = 126;
      } else if (!p.waitFor(model.hookTimeoutMillis, TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
        code = 124;
        Files.writeString(errFile, "\nhook timed out after " + model.hookTimeoutMillis + " ms\n",
            java.nio.file.StandardOpenOption.APPEND);
      } else {
        code = p.exitValue();
      }
      running = null;
      synchronized (lock) {
        // the tool calls' effects (made on server threads) are visible from here on
      }
      stdout = Files.readString(outFile, StandardCharsets.UTF_8);
      stderr = Files.readString(errFile, StandardCharsets.UTF_8);
      Files.deleteIfExists(outFile);
      Files.deleteIfExists(errFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SimException("interrupted while running " + ctx.name);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    HookResult res = new HookResult(unitName, ctx.name, code, stdout, stderr, millis, true, ctx.toolCalls);
    results.add(res);
    lastResults.add(res);
    return res;
  }

  static void setUnitStatus(Model.Unit u, Model.StatusInfo s) {
    u.status = s;
    u.statusHistory.add(s);
  }

  /** The application status: set by the leader, or derived from the units. */
  static Model.StatusInfo applicationStatus(Model model) {
    if (model.appStatus != null) {
      return model.appStatus;
    }
    List<String> order = List.of("error", "blocked", "maintenance", "waiting", "active", "terminated", "unknown");
    Model.StatusInfo best = null;
    for (Model.Unit u : model.units.values()) {
      if (u.removed) {
        continue;
      }
      Model.StatusInfo s = displayed(u);
      if (best == null || order.indexOf(s.status) < order.indexOf(best.status)) {
        best = s;
      }
    }
    return best == null ? new Model.StatusInfo("unknown", "") : best;
  }

  private static Model.StatusInfo displayed(Model.Unit u) {
    if (u.errorHook != null) {
      Model.StatusInfo s = new Model.StatusInfo("error", "hook failed: \"" + u.errorHook + "\"");
      return s;
    }
    return u.status;
  }

  // ---- accessors --------------------------------------------------------------------------

  public String application() {
    return model.application;
  }

  /** Live units, in order. */
  public List<String> units() {
    return liveUnits();
  }

  private List<String> liveUnits() {
    List<String> out = new ArrayList<>();
    for (Model.Unit u : model.units.values()) {
      if (!u.removed) {
        out.add(u.name);
      }
    }
    out.sort(UNIT_ORDER);
    return out;
  }

  public String leader() {
    return model.units.values().stream().filter(u -> u.leader && !u.removed).map(u -> u.name)
        .findFirst().orElse(null);
  }

  /** The status {@code juju status} shows (error with {@code hook failed: "<hook>"} when failed). */
  public Model.StatusInfo unitStatus(String unitName) {
    return displayed(unit(unitName));
  }

  public List<Model.StatusInfo> statusHistory(String unitName) {
    return List.copyOf(unit(unitName).statusHistory);
  }

  public boolean inError(String unitName) {
    return unit(unitName).errorHook != null;
  }

  public Model.StatusInfo appStatus() {
    return applicationStatus(model);
  }

  public String workloadVersion(String unitName) {
    return unit(unitName).workloadVersion;
  }

  /** Committed opened ports, e.g. {@code 5000/tcp}. */
  public List<String> openedPorts(String unitName) {
    return Ports.list(unit(unitName).ports, false);
  }

  public List<Model.LogLine> logs(String unitName) {
    return List.copyOf(unit(unitName).logs);
  }

  public Map<String, String> unitState(String unitName) {
    return Map.copyOf(unit(unitName).state);
  }

  public Map<String, String> leaderSettings() {
    return Map.copyOf(model.leaderSettings);
  }

  /** The effective config (what config-get prints). */
  public Map<String, Object> effectiveConfig() {
    return Config.effective(charm, model.config, false);
  }

  /** The committed bag of a local unit in a relation. */
  public Map<String, String> localUnitData(int relationId, String unitName) {
    return Map.copyOf(relation(relationId).localUnitData.getOrDefault(unitName, Map.of()));
  }

  /** The committed local application bag of a relation. */
  public Map<String, String> localAppData(int relationId) {
    return Map.copyOf(relation(relationId).localAppData);
  }

  /** The relation with that id (live view), or throws. */
  public Model.Relation relation(int relationId) {
    Model.Relation r = model.relations.get(relationId);
    if (r == null) {
      throw new SimException("relation " + relationId + " not found");
    }
    return r;
  }

  public boolean hasRelation(int relationId) {
    return model.relations.containsKey(relationId);
  }

  /** The id of the peer relation on {@code endpoint}, or -1. */
  public int peerRelationId(String endpoint) {
    Model.Relation r = peerRelation(endpoint);
    return r == null ? -1 : r.id;
  }

  private Model.Relation peerRelation(String endpoint) {
    return model.relations.values().stream().filter(r -> r.peer() && r.endpoint.equals(endpoint))
        .findFirst().orElse(null);
  }

  /** Every hook/action run by this Sim object, in order. */
  public List<HookResult> results() {
    return List.copyOf(results);
  }

  /** The hooks run by the last operation. */
  public List<HookResult> lastResults() {
    return List.copyOf(lastResults);
  }

  /** The unit's hook history (persisted): hook name, exit code, duration. */
  public List<Model.HookRecord> hookHistory(String unitName) {
    return List.copyOf(unit(unitName).hooks);
  }

  /** Hook names run on the unit, in order (actions as {@code action:<name>}). */
  public List<String> hookNames(String unitName) {
    return unit(unitName).hooks.stream().map(h -> h.hook).toList();
  }

  public ActionOutcome lastAction() {
    return model.lastAction;
  }

  private Model.Unit unit(String name) {
    Model.Unit u = model.units.get(name);
    if (u == null || u.removed) {
      throw new SimException("unit " + Fmt.goQuote(name) + " not found");
    }
    return u;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
