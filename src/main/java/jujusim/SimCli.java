package jujusim;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** Command line for the unit simulator; each invocation continues the model in {@code --dir}. */
@Command(
    name = "jujusim",
    mixinStandardHelpOptions = true,
    description = "Simulates Juju around the units of a machine charm.",
    subcommands = {
      SimCli.Deploy.class, SimCli.Refresh.class, SimCli.AddUnit.class, SimCli.RemoveUnit.class, SimCli.ConfigCmd.class,
      SimCli.Hook.class, SimCli.Run.class, SimCli.Integrate.class, SimCli.SetRemote.class,
      SimCli.RemoveRelation.class, SimCli.Leader.class, SimCli.Resolve.class, SimCli.Attach.class,
      SimCli.Status.class, SimCli.Log.class, SimCli.Remove.class, SimCli.Destroy.class
    })
public final class SimCli implements Callable<Integer> {
  @Option(names = "--dir", description = "Simulator work dir (default: ${DEFAULT-VALUE}).", defaultValue = "./.jujusim")
  Path dir;

  PrintWriter out;
  PrintWriter err;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line; returns the exit code (0 ok, 1 failure, 2 usage). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    SimCli cli = new SimCli();
    cli.out = out;
    cli.err = err;
    CommandLine cl = new CommandLine(cli);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          err.println("ERROR " + (ex.getMessage() == null ? ex.toString() : ex.getMessage().lines().findFirst().orElse("")));
          err.flush();
          return 1;
        });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(out);
    return 2;
  }

  Sim sim() {
    return Sim.load(dir);
  }

  /** Prints hook results; returns 1 if any hook failed. */
  int report(List<HookResult> results) {
    int code = 0;
    for (HookResult r : results) {
      if (r.ran() && r.exitCode() != 0) {
        err.println("hook " + Fmt.goQuote(r.hook()) + " failed on " + r.unit() + ": exit status " + r.exitCode());
        String tail = r.stderr().strip();
        if (!tail.isEmpty()) {
          err.println(tail);
        }
        code = 1;
      } else {
        out.println(r);
      }
    }
    return code;
  }

  static Map<String, String> keyValues(List<String> items, String what) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String kv : items == null ? List.<String>of() : items) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new SimException(what + ": expected key=value, got " + Fmt.goQuote(kv));
      }
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return m;
  }

  @Command(name = "deploy", description = "Deploy the charm: install ... start on each unit.")
  static final class Deploy implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Option(names = "--charm", required = true, description = "A .charm file or a charm directory.")
    Path charm;

    @Option(names = {"-n", "--units"}, defaultValue = "1")
    int units;

    @Option(names = "--application", description = "Application name (default: the charm name).")
    String application;

    @Option(names = "--config", description = "key=value", arity = "1..*")
    List<String> config = new ArrayList<>();

    @Option(names = "--env", description = "Extra hook environment KEY=VALUE.", arity = "1..*")
    List<String> env = new ArrayList<>();

    @Override
    public Integer call() {
      SimOptions o = SimOptions.defaults().env(keyValues(env, "--env")).application(application);
      Map<String, Object> cfg = new LinkedHashMap<>(keyValues(config, "--config"));
      Sim sim = Sim.create(cli.dir, charm, o);
      if (!cfg.isEmpty()) {
        Config.apply(new Charm(charm), sim.model().config, cfg, List.of());
        sim.save();
      }
      return cli.report(sim.deploy(units));
    }
  }

  @Command(name = "refresh", description = "Refresh to another charm: upgrade-charm, config-changed on each unit.")
  static final class Refresh implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Option(names = "--path", required = true, description = "A .charm file or a charm directory.")
    Path charm;

    @Override
    public Integer call() {
      return cli.report(cli.sim().refresh(charm));
    }
  }

  @Command(name = "add-unit", description = "Add a unit.")
  static final class AddUnit implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Override
    public Integer call() {
      return cli.report(cli.sim().addUnit());
    }
  }

  @Command(name = "remove-unit", description = "Remove a unit.")
  static final class RemoveUnit implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(paramLabel = "UNIT")
    String unit;

    @Override
    public Integer call() {
      return cli.report(cli.sim().removeUnit(unit));
    }
  }

  @Command(name = "config", description = "Show, set or reset config; runs config-changed.")
  static final class ConfigCmd implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(paramLabel = "key=value", arity = "0..*")
    List<String> set = new ArrayList<>();

    @Option(names = "--reset", arity = "1..*")
    List<String> reset = new ArrayList<>();

    @Override
    public Integer call() {
      Sim sim = cli.sim();
      if (set.isEmpty() && reset.isEmpty()) {
        cli.out.print(Fmt.yaml(sim.effectiveConfig()));
        return 0;
      }
      return cli.report(sim.config(new LinkedHashMap<>(keyValues(set, "config")), reset));
    }
  }

  @Command(name = "hook", description = "Run a hook (e.g. update-status) on one unit or all.")
  static final class Hook implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(paramLabel = "HOOK")
    String hook;

    @Option(names = "--unit")
    String unit;

    @Override
    public Integer call() {
      Sim sim = cli.sim();
      if (unit != null) {
        sim.hook(unit, hook);
        return cli.report(sim.lastResults());
      }
      return cli.report(sim.hookAll(hook));
    }
  }

  @Command(name = "run", description = "Run an action (like juju run); values are YAML scalars.")
  static final class Run implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(index = "0", paramLabel = "ACTION")
    String action;

    @Parameters(index = "1..*", paramLabel = "key=value", arity = "0..*")
    List<String> params = new ArrayList<>();

    @Option(names = "--unit", description = "Default: the leader.")
    String unit;

    @Override
    public Integer call() {
      Sim sim = cli.sim();
      Map<String, Object> p = new LinkedHashMap<>();
      keyValues(params, "run").forEach((k, v) -> p.put(k, v.isEmpty() ? "" : new Yaml().load(v)));
      ActionOutcome o = sim.runAction(unit == null ? sim.leader() : unit, action, p);
      o.logs.forEach(l -> cli.out.println(l));
      Map<String, Object> shown = new TreeMap<>(o.results);
      shown.remove("return-code");
      shown.remove("stdout");
      shown.remove("stderr");
      if (!shown.isEmpty()) {
        cli.out.print(Fmt.yaml(shown));
      }
      cli.out.print(o.stdout);
      cli.err.print(o.stderr);
      if (!o.status.equals("completed")) {
        cli.err.println("ERROR the task failed: " + o.message);
        return 1;
      }
      return 0;
    }
  }

  @Command(name = "integrate", description = "Relate an endpoint to a fake remote application.")
  static final class Integrate implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(index = "0", paramLabel = "ENDPOINT")
    String endpoint;

    @Parameters(index = "1", paramLabel = "REMOTE-APP")
    String remoteApp;

    @Option(names = "--units", description = "Number of remote units (default 1).", defaultValue = "1")
    int units;

    @Option(names = "--app-data", arity = "1..*", description = "Remote app bag key=value.")
    List<String> appData = new ArrayList<>();

    @Option(names = "--unit-data", arity = "1..*", description = "Remote unit bags: key=value (every remote unit).")
    List<String> unitData = new ArrayList<>();

    @Override
    public Integer call() {
      Sim sim = cli.sim();
      List<String> remote = new ArrayList<>();
      Map<String, Map<String, String>> data = new TreeMap<>();
      for (int i = 0; i < units; i++) {
        remote.add(remoteApp + "/" + i);
        data.put(remoteApp + "/" + i, keyValues(unitData, "--unit-data"));
      }
      int id = sim.integrate(endpoint, remoteApp, remote, keyValues(appData, "--app-data"), data);
      int code = cli.report(sim.lastResults());
      cli.out.println("relation " + endpoint + ":" + id);
      return code;
    }
  }

  @Command(name = "set-remote", description = "Change remote data in a relation (-relation-changed).")
  static final class SetRemote implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Option(names = {"-r", "--relation"}, required = true, description = "Relation id (N or endpoint:N).")
    String relation;

    @Option(names = "--unit", description = "Remote unit; without it the remote app bag is changed.")
    String unit;

    @Parameters(paramLabel = "key=value", arity = "1..*")
    List<String> data;

    @Override
    public Integer call() {
      Sim sim = cli.sim();
      int id = relationId(relation);
      Map<String, String> kv = keyValues(data, "set-remote");
      return cli.report(unit == null ? sim.setRemoteAppData(id, kv) : sim.setRemoteUnitData(id, unit, kv));
    }
  }

  static int relationId(String text) {
    try {
      return Integer.parseInt(text.substring(text.lastIndexOf(':') + 1));
    } catch (NumberFormatException e) {
      throw new SimException("invalid relation id " + Fmt.goQuote(text));
    }
  }

  @Command(name = "remove-relation", description = "Remove a relation (-departed, -broken).")
  static final class RemoveRelation implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(paramLabel = "ID")
    String relation;

    @Override
    public Integer call() {
      return cli.report(cli.sim().removeRelation(relationId(relation)));
    }
  }

  @Command(name = "set-leader", description = "Move leadership to a unit (leader-elected).")
  static final class Leader implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(paramLabel = "UNIT")
    String unit;

    @Override
    public Integer call() {
      return cli.report(cli.sim().setLeader(unit));
    }
  }

  @Command(name = "resolve", description = "Clear a unit's hook error, retrying the hook.")
  static final class Resolve implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(paramLabel = "UNIT")
    String unit;

    @Option(names = "--no-retry")
    boolean noRetry;

    @Override
    public Integer call() {
      return cli.report(cli.sim().resolve(unit, !noRetry));
    }
  }

  @Command(name = "attach-resource", description = "Attach a file resource.")
  static final class Attach implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "PATH")
    Path file;

    @Override
    public Integer call() {
      cli.sim().attachResource(name, file);
      return 0;
    }
  }

  @Command(name = "status", description = "Print a juju status-like table.")
  static final class Status implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Override
    public Integer call() {
      Sim sim = cli.sim();
      Model m = sim.model();
      Model.StatusInfo app = sim.appStatus();
      String version = "";
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"Unit", "Workload", "Version", "Ports", "Message"});
      for (String u : sim.units()) {
        Model.StatusInfo s = sim.unitStatus(u);
        if (version.isEmpty()) {
          version = sim.workloadVersion(u);
        }
        rows.add(new String[] {
          u + (u.equals(sim.leader()) ? "*" : ""), s.status, sim.workloadVersion(u),
          String.join(",", sim.openedPorts(u)), s.message
        });
      }
      List<String[]> appRows = new ArrayList<>();
      appRows.add(new String[] {"App", "Version", "Status", "Units", "Message"});
      appRows.add(new String[] {
        m.application + (m.removed ? " (removed)" : ""), version, app.status,
        String.valueOf(sim.units().size()), app.message
      });
      table(cli.out, appRows);
      cli.out.println();
      table(cli.out, rows);
      if (!m.relations.isEmpty()) {
        cli.out.println();
        List<String[]> rel = new ArrayList<>();
        rel.add(new String[] {"Relation", "Remote", "Interface", "Type"});
        for (Model.Relation r : m.relations.values()) {
          rel.add(new String[] {r.key(), r.peer() ? m.application : r.remoteApp, r.iface, r.peer() ? "peer" : "regular"});
        }
        table(cli.out, rel);
      }
      return 0;
    }

    static void table(PrintWriter out, List<String[]> rows) {
      int[] w = new int[rows.get(0).length];
      for (String[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          w[i] = Math.max(w[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
          sb.append(i == r.length - 1 ? r[i] : String.format("%-" + (w[i] + 2) + "s", r[i]));
        }
        out.println(sb.toString().stripTrailing());
      }
    }
  }

  @Command(name = "log", description = "Print juju-log lines and hook history.")
  static final class Log implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Option(names = "--unit")
    String unit;

    @Override
    public Integer call() {
      Sim sim = cli.sim();
      for (String u : unit == null ? sim.units() : List.of(unit)) {
        for (Model.HookRecord h : sim.hookHistory(u)) {
          cli.out.println(u + " hook " + h.hook + " exit " + h.exitCode + " (" + h.millis + " ms)");
        }
        for (Model.LogLine l : sim.logs(u)) {
          cli.out.println(u + " " + l.level + " " + l.message);
        }
      }
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove the application (stop, remove on each unit).")
  static final class Remove implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Override
    public Integer call() {
      return cli.report(cli.sim().remove());
    }
  }

  @Command(name = "destroy", description = "Remove the application and delete the work dir.")
  static final class Destroy implements Callable<Integer> {
    @ParentCommand SimCli cli;

    @Override
    public Integer call() {
      if (!Sim.exists(cli.dir)) {
        throw new SimException("no model in " + cli.dir);
      }
      return cli.report(cli.sim().destroy());
    }
  }
}
