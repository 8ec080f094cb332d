package jujusim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;

/** The server side of the fake hook tools: parsing, semantics and output of each tool (spec §1). */
final class Tools {

  /** Tools the simulator implements (each gets a symlink in the unit's tools dir). */
  static final List<String> NAMES =
      List.of(
          "config-get", "relation-ids", "relation-list", "relation-get", "relation-set",
          "relation-model-get", "leader-get", "leader-set", "is-leader", "status-set",
          "status-get", "application-version-set", "juju-log", "open-port", "close-port",
          "opened-ports", "network-get", "unit-get", "action-get", "action-set", "action-fail",
          "action-log", "state-get", "state-set", "state-delete", "resource-get");

  /** Exit 2: a usage error. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  /** Exit 1: an error while running. */
  static final class RunException extends Exception {
    RunException(String message) {
      super(message);
    }
  }

  /** A tool's reply. */
  record Reply(int code, byte[] stdout, byte[] stderr) {
    static Reply error(int code, String message) {
      return new Reply(code, new byte[0], ("ERROR " + message + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  private static final Pattern ACTION_KEY = Pattern.compile("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$");
  private static final Pattern APP_NAME =
      Pattern.compile("^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$");
  private static final Pattern UNIT_NAME =
      Pattern.compile("^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*/[0-9]+$");
  private static final List<String> SETTABLE = List.of("maintenance", "blocked", "waiting", "active");
  private static final Set<String> DEPRECATED_FORMAT =
      Set.of("relation-set", "juju-log", "open-port", "close-port");
  private static final Set<String> RESERVED =
      Set.of("stdout", "stdout-encoding", "stderr", "stderr-encoding");

  private final HookContext ctx;
  private final Path cwd;
  private final String tool;
  private final byte[] stdin;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final StringBuilder err = new StringBuilder();

  private Tools(HookContext ctx, Path cwd, String tool, byte[] stdin) {
    this.ctx = ctx;
    this.cwd = cwd;
    this.tool = tool;
    this.stdin = stdin;
  }

  /**
   * Linux's limit on one argument (MAX_ARG_STRLEN, 32 pages), counting its NUL: a longer one fails
   * execve with E2BIG, so the tool never runs (action-set values travel only as arguments).
   */
  static final int MAX_ARG_BYTES = 131072;

  /** Runs one tool call in the given context. */
  static Reply run(HookContext ctx, String cwd, String tool, List<String> args, byte[] stdin) {
    if (!NAMES.contains(tool)) {
      return Reply.error(1, "bad request: unknown command: " + tool);
    }
    for (String a : args) {
      // The kernel refuses such an exec before the tool starts; a request that got here another
      // way is refused the same, as bash reports it.
      if (a.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_ARG_BYTES) {
        return new Reply(126, new byte[0], (tool + ": Argument list too long\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    Tools t = new Tools(ctx, Path.of(cwd.isEmpty() ? "/" : cwd), tool, stdin);
    try {
      t.dispatch(args);
      return new Reply(0, t.out.toByteArray(), t.err.toString().getBytes(StandardCharsets.UTF_8));
    } catch (UsageException e) {
      return withPrefix(t, 2, e.getMessage());
    } catch (RunException e) {
      return withPrefix(t, 1, e.getMessage());
    } catch (RuntimeException e) {
      return withPrefix(t, 1, String.valueOf(e.getMessage()));
    }
  }

  private static Reply withPrefix(Tools t, int code, String message) {
    byte[] e = (t.err + "ERROR " + message + "\n").getBytes(StandardCharsets.UTF_8);
    return new Reply(code, new byte[0], e);
  }

  private boolean helped(Flags f, String synopsis) {
    if (f.help) {
      print("Usage: " + tool + " " + synopsis + "\n");
      return true;
    }
    return false;
  }

  private void print(String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  private Flags formatFlags() {
    return new Flags().str("format").str("o", "output");
  }

  private void checkFormat(Flags f) throws UsageException {
    String fmt = f.get("format", "smart");
    if (!Fmt.isFormat(fmt)) {
      throw new UsageException(
          "invalid value " + Fmt.goQuote(fmt) + " for option " + f.typed("format")
              + ": unknown format " + Fmt.goQuote(fmt));
    }
  }

  private void deprecatedFormat(Flags f) {
    if (f.has("format")) {
      err.append("--format flag deprecated for command \"").append(tool).append("\"");
    }
  }

  /** Writes the formatted value to stdout, or to the -o file. */
  private void emit(Flags f, Object value) throws RunException {
    String text = Fmt.format(f.get("format", "smart"), value);
    String file = f.get("output");
    if (file == null) {
      print(text);
      return;
    }
    try {
      Files.writeString(cwd.resolve(file), text);
    } catch (IOException e) {
      throw new RunException("cannot write " + file + ": " + e.getMessage());
    }
  }

  private static void maxArgs(List<String> pos, int max) throws UsageException {
    if (pos.size() > max) {
      throw new UsageException("unrecognized args: " + Fmt.goQuoteList(pos.subList(max, pos.size())));
    }
  }

  private Flags parse(Flags f, List<String> args, String synopsis) throws UsageException {
    f.parse(args);
    if (f.has("format") && !DEPRECATED_FORMAT.contains(tool)) {
      checkFormat(f);
    }
    return f;
  }

  private void dispatch(List<String> args) throws UsageException, RunException {
    ctx.toolCalls.add(tool);
    switch (tool) {
      case "config-get" -> configGet(args);
      case "relation-ids" -> relationIds(args);
      case "relation-list" -> relationList(args);
      case "relation-get" -> relationGet(args);
      case "relation-set" -> relationSet(args);
      case "relation-model-get" -> relationModelGet(args);
      case "leader-get" -> leaderGet(args);
      case "leader-set" -> leaderSet(args);
      case "is-leader" -> isLeader(args);
      case "status-set" -> statusSet(args);
      case "status-get" -> statusGet(args);
      case "application-version-set" -> applicationVersionSet(args);
      case "juju-log" -> jujuLog(args);
      case "open-port", "close-port" -> openClosePort(args);
      case "opened-ports" -> openedPorts(args);
      case "network-get" -> networkGet(args);
      case "unit-get" -> unitGet(args);
      case "action-get" -> actionGet(args);
      case "action-set" -> actionSet(args);
      case "action-fail" -> actionFail(args);
      case "action-log" -> actionLog(args);
      case "state-get" -> stateGet(args);
      case "state-set" -> stateSet(args);
      case "state-delete" -> stateDelete(args);
      case "resource-get" -> resourceGet(args);
      default -> throw new RunException("bad request: unknown command: " + tool);
    }
  }

  // ---- config ---------------------------------------------------------------------------

  private void configGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [-o FILE] [-a|--all] [<key>]";
    Flags f = parse(formatFlags().bool("a", "all"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 1);
    boolean all = f.isTrue("all");
    if (!f.positionals.isEmpty()) {
      String key = f.positionals.get(0);
      if (all) {
        throw new UsageException("cannot use argument --all together with key " + Fmt.goQuote(key));
      }
      emit(f, Config.effective(ctx.charm, ctx.model.config, false).get(key));
      return;
    }
    emit(f, Config.effective(ctx.charm, ctx.model.config, all));
  }

  // ---- relations ------------------------------------------------------------------------

  /** The relation named by -r, or the hook's relation, or null. */
  private Model.Relation relationFlag(Flags f) throws UsageException {
    String v = f.get("relation");
    if (v == null) {
      return ctx.relation;
    }
    String idText = v.substring(v.lastIndexOf(':') + 1);
    int id;
    try {
      id = Integer.parseInt(idText);
    } catch (NumberFormatException e) {
      throw new UsageException(
          "invalid value " + Fmt.goQuote(v) + " for option " + f.typed("relation") + ": invalid relation id");
    }
    Model.Relation r = ctx.model.relations.get(id);
    if (r == null || !r.members.containsKey(ctx.unit.name)) {
      throw new UsageException(
          "invalid value " + Fmt.goQuote(v) + " for option " + f.typed("relation") + ": relation not found");
    }
    return r;
  }

  private Model.Relation requireRelation(Flags f) throws UsageException {
    Model.Relation r = relationFlag(f);
    if (r == null) {
      throw new UsageException("no relation id specified");
    }
    return r;
  }

  private String remoteAppOf(Model.Relation r) {
    return r.peer() ? ctx.appName() : r.remoteApp;
  }

  private void relationIds(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [<endpoint-name>]";
    Flags f = parse(formatFlags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 1);
    String ep;
    if (!f.positionals.isEmpty()) {
      ep = f.positionals.get(0);
    } else if (ctx.relation != null) {
      ep = ctx.relation.endpoint;
    } else {
      throw new UsageException("no endpoint name specified");
    }
    List<String> ids = new ArrayList<>();
    for (Model.Relation r : ctx.model.relations.values()) {
      if (r.endpoint.equals(ep) && r.members.containsKey(ctx.unit.name)) {
        ids.add(r.key());
      }
    }
    ids.sort(null);
    emit(f, ids);
  }

  private void relationList(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [-r ID] [--app]";
    Flags f = parse(formatFlags().str("r", "relation").bool("app"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    Model.Relation r = requireRelation(f);
    maxArgs(f.positionals, 0);
    if (f.isTrue("app")) {
      emit(f, remoteAppOf(r));
      return;
    }
    List<String> members = new ArrayList<>(r.members.getOrDefault(ctx.unit.name, List.of()));
    members.remove(ctx.unit.name);
    members.sort(null); // Juju: sort.Strings, so "app/10" comes before "app/2"
    emit(f, members);
  }

  private void relationGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [-r ID] [--app] [<key>|-] [<unit-or-app>]";
    Flags f = parse(formatFlags().str("r", "relation").bool("app"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    Model.Relation r = requireRelation(f);
    maxArgs(f.positionals, 2);
    String key = f.positionals.isEmpty() ? "-" : f.positionals.get(0);
    String target = f.positionals.size() > 1 ? f.positionals.get(1) : null;
    boolean app = f.isTrue("app");
    String hookRemoteApp = ctx.relation == null ? null : remoteAppOf(ctx.relation);
    if (target != null) {
      if (!app) {
        if (!UNIT_NAME.matcher(target).matches()) {
          if (APP_NAME.matcher(target).matches()) {
            throw new UsageException("expected unit name, got application name " + Fmt.goQuote(target));
          }
          throw new UsageException("invalid unit name " + Fmt.goQuote(target));
        }
      } else if (target.contains("/")) {
        target = target.substring(0, target.indexOf('/'));
      }
    } else if (app) {
      if (hookRemoteApp == null) {
        throw new UsageException("no unit or application specified");
      }
      target = hookRemoteApp;
    } else if (ctx.remoteUnit != null && !ctx.remoteUnit.isEmpty()) {
      target = ctx.remoteUnit;
    } else if (hookRemoteApp != null) {
      target = hookRemoteApp;
      app = true;
    } else {
      throw new UsageException("no unit or application specified");
    }
    Map<String, String> bag = app ? appBag(r, target) : unitBag(r, target);
    emit(f, key.equals("-") ? bag : bag.get(key));
  }

  private Map<String, String> appBag(Model.Relation r, String app) throws RunException {
    if (app.equals(ctx.appName())) {
      if (!r.peer() && !ctx.unit.leader) {
        throw new RunException("permission denied");
      }
      return ctx.ownAppBag(r);
    }
    if (!r.peer() && app.equals(r.remoteApp)) {
      return new TreeMap<>(r.remoteAppData);
    }
    throw new RunException(
        "cannot read settings for application " + Fmt.goQuote(app) + " in relation "
            + Fmt.goQuote(r.key()) + ": application not found");
  }

  private Map<String, String> unitBag(Model.Relation r, String unit) throws RunException {
    if (unit.equals(ctx.unit.name)) {
      return ctx.ownUnitBag(r);
    }
    Map<String, String> bag = r.peer() ? r.localUnitData.get(unit) : r.remoteUnitData.get(unit);
    if (bag == null) {
      throw new RunException(
          "cannot read settings for unit " + Fmt.goQuote(unit) + " in relation "
              + Fmt.goQuote(r.key()) + ": unit " + Fmt.goQuote(unit) + ": settings not found");
    }
    return new TreeMap<>(bag);
  }

  /** Parses {@code key=value} arguments as relation-set/leader-set/state-set do. */
  private static Map<String, String> keyValues(List<String> pos) throws UsageException {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String a : pos) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("expected \"key=value\", got " + Fmt.goQuote(a));
      }
      String k = a.substring(0, eq);
      if (kv.containsKey(k)) {
        throw new UsageException("key " + Fmt.goQuote(k) + " specified more than once");
      }
      kv.put(k, a.substring(eq + 1));
    }
    return kv;
  }

  /** Reads a YAML mapping of strings from --file (path or "-" for stdin). */
  private Map<String, String> fileSettings(String file) throws RunException {
    byte[] data;
    if (file.equals("-")) {
      data = stdin == null ? new byte[0] : stdin;
    } else {
      try {
        data = Files.readAllBytes(cwd.resolve(file));
      } catch (IOException e) {
        throw new RunException("open " + file + ": no such file or directory");
      }
    }
    String problem = GoYaml.problem(data);
    if (problem != null) {
      throw new RunException("yaml: " + problem);
    }
    Object doc;
    try {
      doc = new Yaml().load(new String(data, StandardCharsets.UTF_8));
    } catch (YAMLException e) {
      throw new RunException("yaml: " + e.getMessage().lines().findFirst().orElse("invalid"));
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (doc == null) {
      return out;
    }
    if (!(doc instanceof Map<?, ?> m)) {
      String tag = doc instanceof List ? "!!seq" : "!!str";
      String shown = doc instanceof List ? "" : " `" + doc + "`";
      throw new RunException(
          "yaml: unmarshal errors:\n  line 1: cannot unmarshal " + tag + shown
              + " into map[string]string");
    }
    for (Map.Entry<?, ?> e : m.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Map || v instanceof List) {
        throw new RunException(
            "yaml: unmarshal errors:\n  line 1: cannot unmarshal " + (v instanceof Map ? "!!map" : "!!seq")
                + " into string");
      }
      out.put(String.valueOf(e.getKey()), v == null ? "" : String.valueOf(v));
    }
    return out;
  }

  private void relationSet(List<String> args) throws UsageException, RunException {
    String syn = "[-r ID] [--app] [--file PATH|-] [key=value ...]";
    Flags f = parse(new Flags().str("r", "relation").bool("app").str("file").str("format"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    deprecatedFormat(f);
    Map<String, String> kv = keyValues(f.positionals);
    Model.Relation r = requireRelation(f);
    Map<String, String> settings = new LinkedHashMap<>();
    if (f.has("file")) {
      settings.putAll(fileSettings(f.get("file")));
    }
    settings.putAll(kv);
    boolean app = f.isTrue("app");
    if (app && !ctx.unit.leader) {
      throw new RunException("cannot write relation settings");
    }
    Map<String, String> staged =
        (app ? ctx.appBags : ctx.unitBags).computeIfAbsent(r.id, k -> new LinkedHashMap<>());
    settings.forEach((k, v) -> staged.put(k, v.isEmpty() ? null : v));
  }

  private void relationModelGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [-r ID]";
    Flags f = parse(formatFlags().str("r", "relation"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    requireRelation(f);
    maxArgs(f.positionals, 0);
    emit(f, new Fmt.Struct().with("uuid", ctx.model.modelUuid));
  }

  // ---- leadership -----------------------------------------------------------------------

  private void leaderGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [<key>|-]";
    Flags f = parse(formatFlags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 1);
    String key = f.positionals.isEmpty() ? "-" : f.positionals.get(0);
    if (key.contains("=")) {
      throw new UsageException("invalid key " + Fmt.goQuote(key));
    }
    Map<String, String> all = new TreeMap<>(ctx.model.leaderSettings);
    emit(f, key.equals("-") ? all : all.get(key));
  }

  private void leaderSet(List<String> args) throws UsageException, RunException {
    String syn = "<key>=<value> [...]";
    Flags f = parse(new Flags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    Map<String, String> kv = keyValues(f.positionals);
    if (!ctx.unit.leader) {
      throw new RunException("cannot write leadership settings: cannot write settings: not the leader");
    }
    Map<String, String> before = new TreeMap<>(ctx.model.leaderSettings);
    kv.forEach(
        (k, v) -> {
          if (v.isEmpty()) {
            ctx.model.leaderSettings.remove(k);
          } else {
            ctx.model.leaderSettings.put(k, v);
          }
        });
    if (!before.equals(ctx.model.leaderSettings)) {
      ctx.leaderSettingsChanged = true;
    }
  }

  private void isLeader(List<String> args) throws UsageException, RunException {
    String syn = "[--format F]";
    Flags f = parse(formatFlags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 0);
    emit(f, ctx.unit.leader);
  }

  // ---- status ---------------------------------------------------------------------------

  private void statusSet(List<String> args) throws UsageException, RunException {
    String syn = "[--application] <maintenance|blocked|waiting|active> [<message>]";
    Flags f = parse(new Flags().bool("application"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    List<String> pos = f.positionals;
    if (pos.isEmpty()) {
      throw new UsageException("invalid args, require <status> [message]");
    }
    if (!SETTABLE.contains(pos.get(0))) {
      throw new UsageException(
          "invalid status " + Fmt.goQuote(pos.get(0)) + ", expected one of [maintenance blocked waiting active]");
    }
    maxArgs(pos, 2);
    Model.StatusInfo s = new Model.StatusInfo(pos.get(0), pos.size() > 1 ? pos.get(1) : "");
    if (f.isTrue("application")) {
      if (!ctx.unit.leader) {
        throw new RunException("this unit is not the leader");
      }
      ctx.model.appStatus = s;
      return;
    }
    Sim.setUnitStatus(ctx.unit, s);
    ctx.unit.statusEverSet = true;
  }

  private static Map<String, Object> statusMap(Model.StatusInfo s, boolean data) {
    Map<String, Object> m = new TreeMap<>();
    m.put("status", s.status);
    if (data) {
      m.put("message", s.message);
      m.put("status-data", new TreeMap<>());
    }
    return m;
  }

  private void statusGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [--include-data] [--application]";
    Flags f = parse(formatFlags().bool("include-data").bool("application"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 0);
    boolean data = f.isTrue("include-data");
    boolean smart = f.get("format", "smart").equals("smart");
    if (f.isTrue("application")) {
      if (!ctx.unit.leader) {
        throw new RunException("finding application status: this unit is not the leader");
      }
      Model.StatusInfo app = Sim.applicationStatus(ctx.model);
      if (!data) {
        emit(f, smart ? app.status : statusMap(app, false));
        return;
      }
      Map<String, Object> m = statusMap(app, true);
      Map<String, Object> units = new TreeMap<>();
      for (Model.Unit u : ctx.model.units.values()) {
        if (!u.removed) {
          units.put(u.name, statusMap(u.status, true));
        }
      }
      m.put("units", units);
      emit(f, Map.of("application-status", m));
      return;
    }
    if (!data) {
      emit(f, smart ? ctx.unit.status.status : statusMap(ctx.unit.status, false));
      return;
    }
    emit(f, statusMap(ctx.unit.status, true));
  }

  private void applicationVersionSet(List<String> args) throws UsageException {
    String syn = "<version>";
    Flags f = parse(new Flags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    if (f.positionals.isEmpty()) {
      throw new UsageException("no version specified");
    }
    maxArgs(f.positionals, 1);
    ctx.unit.workloadVersion = f.positionals.get(0);
  }

  // ---- logging --------------------------------------------------------------------------

  private void jujuLog(List<String> args) throws UsageException {
    String syn = "[-l LEVEL|--log-level LEVEL] [--debug] <message...>";
    Flags f = parse(new Flags().str("l", "log-level").bool("debug").str("format"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    deprecatedFormat(f);
    if (f.positionals.isEmpty()) {
      throw new UsageException("no message specified");
    }
    String level = f.get("log-level", "INFO").toUpperCase(Locale.ROOT);
    if (level.equals("WARN")) {
      level = "WARNING";
    }
    if (!List.of("TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL").contains(level)) {
      ctx.unit.logs.add(
          new Model.LogLine("WARNING", "Specified log level " + Fmt.goQuote(f.get("log-level")) + " is not valid", ctx.name));
      level = "INFO";
    }
    if (f.isTrue("debug")) {
      level = "DEBUG";
    }
    String msg = String.join(" ", f.positionals);
    if (ctx.relation != null) {
      msg = ctx.relation.key() + ": " + msg;
    }
    ctx.unit.logs.add(new Model.LogLine(level, msg, ctx.name));
  }

  // ---- ports ----------------------------------------------------------------------------

  private void openClosePort(List<String> args) throws UsageException, RunException {
    String syn = "[--endpoints a,b] <port>[/<proto>] | <from>-<to>[/<proto>] | icmp";
    Flags f = parse(new Flags().str("endpoints").str("format"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    deprecatedFormat(f);
    if (f.positionals.isEmpty()) {
      throw new UsageException("no port or range specified");
    }
    maxArgs(f.positionals, 1);
    Model.PortRange range = Ports.parse(f.positionals.get(0));
    List<String> eps = null;
    if (f.has("endpoints")) {
      eps = new ArrayList<>();
      for (String e : f.get("endpoints").split(",")) {
        if (!e.isBlank()) {
          eps.add(e.trim());
        }
      }
      if (eps.isEmpty()) {
        eps = null;
      }
    }
    if (tool.equals("open-port")) {
      conflictOnTheMachine(range);
    }
    ctx.portOps.add(new HookContext.PortOp(tool.equals("open-port"), range, eps));
  }

  /**
   * Units on one machine share its ports: a range another unit there opened (committed; one hook
   * runs at a time on a machine) cannot be opened again (Juju 3.x {@code context/ports.go}).
   */
  private void conflictOnTheMachine(Model.PortRange range) throws RunException {
    for (Model.Unit other : ctx.model.units.values()) {
      if (other.removed || other.name.equals(ctx.unit.name) || !other.machine().equals(ctx.unit.machine())) {
        continue;
      }
      for (Model.PortRange p : other.ports) {
        if (p.protocol.equals(range.protocol) && p.from <= range.to && range.from <= p.to) {
          throw new RunException("cannot open " + range.range() + " (unit " + Fmt.goQuote(ctx.unit.name)
              + "): port range conflicts with " + p.range() + " (unit " + Fmt.goQuote(other.name) + ")");
        }
      }
    }
  }

  private void openedPorts(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [--endpoints]";
    Flags f = parse(formatFlags().bool("endpoints"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 0);
    emit(f, Ports.list(ctx.portsView(), f.isTrue("endpoints")));
  }

  // ---- network --------------------------------------------------------------------------

  private void networkGet(List<String> args) throws UsageException, RunException {
    String syn =
        "[--format F] [-r ID] <binding> [--bind-address] [--ingress-address] [--egress-subnets] [--primary-address]";
    Flags f =
        parse(
            formatFlags().str("r", "relation").bool("bind-address").bool("ingress-address")
                .bool("egress-subnets").bool("primary-address"),
            args, syn);
    if (helped(f, syn)) {
      return;
    }
    if (f.positionals.isEmpty()) {
      throw new UsageException("no arguments specified");
    }
    String binding = f.positionals.get(0);
    if (binding.isEmpty()) {
      throw new UsageException("no binding name specified");
    }
    maxArgs(f.positionals, 1);
    relationFlag(f);
    List<String> flags = new ArrayList<>();
    for (String k : List.of("bind-address", "egress-subnets", "ingress-address")) {
      if (f.isTrue(k)) {
        flags.add(k);
      }
    }
    boolean primary = f.isTrue("primary-address");
    if (primary && !flags.isEmpty()) {
      throw new UsageException("--primary-address must be used alone");
    }
    if (!ctx.charm.hasEndpoint(binding) && !ctx.charm.extraBindings.contains(binding)) {
      throw new RunException("no network config found for binding " + Fmt.goQuote(binding));
    }
    String addr = ctx.unit.address;
    String egress = addr.contains(":") ? addr + "/128" : addr + "/32";
    if (primary) {
      emit(f, addr);
      return;
    }
    if (flags.size() == 1) {
      String k = flags.get(0);
      emit(f, k.equals("egress-subnets") ? List.of(egress) : addr);
      return;
    }
    if (flags.size() > 1) {
      Map<String, Object> m = new TreeMap<>();
      for (String k : flags) {
        m.put(k.equals("egress-subnets") ? k : k, k.equals("egress-subnets") ? List.of(egress) : addr);
      }
      emit(f, m);
      return;
    }
    boolean json = f.get("format", "smart").equals("json");
    Fmt.Struct address = new Fmt.Struct().with("hostname", "").with("value", addr).with("cidr", cidr(addr));
    if (!json) {
      address.with("address", addr);
    }
    Fmt.Struct iface =
        new Fmt.Struct().with("mac-address", "00:00:00:00:00:00").with("interface-name", "eth0")
            .with("addresses", List.of(address));
    if (!json) {
      iface.with("macaddress", "00:00:00:00:00:00").with("interfacename", "eth0");
    }
    emit(
        f,
        new Fmt.Struct().with("bind-addresses", List.of(iface)).with("egress-subnets", List.of(egress))
            .with("ingress-addresses", List.of(addr)));
  }

  private static String cidr(String addr) {
    String[] parts = addr.split("\\.");
    if (parts.length == 4) {
      return parts[0] + "." + parts[1] + "." + parts[2] + ".0/24";
    }
    return addr + "/128";
  }

  private void unitGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] private-address|public-address";
    Flags f = parse(formatFlags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    if (f.positionals.isEmpty()) {
      throw new UsageException("no setting specified");
    }
    String k = f.positionals.get(0);
    if (!k.equals("private-address") && !k.equals("public-address")) {
      throw new UsageException("unknown setting " + Fmt.goQuote(k));
    }
    maxArgs(f.positionals, 1);
    emit(f, ctx.unit.address);
  }

  // ---- actions --------------------------------------------------------------------------

  private void requireAction() throws RunException {
    if (!ctx.action) {
      throw new RunException("not running an action");
    }
  }

  private void actionGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [<key>[.<key>...]]";
    Flags f = parse(formatFlags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 1);
    requireAction();
    if (f.positionals.isEmpty()) {
      emit(f, ctx.actionParams);
      return;
    }
    Object cur = ctx.actionParams;
    for (String seg : f.positionals.get(0).split("\\.", -1)) {
      cur = cur instanceof Map<?, ?> m ? m.get(seg) : null;
    }
    emit(f, cur);
  }

  @SuppressWarnings("unchecked")
  private void actionSet(List<String> args) throws UsageException, RunException {
    String syn = "<key>[.<key>...]=<value> [...]";
    Flags f = parse(new Flags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    List<String[]> sets = new ArrayList<>();
    for (String a : f.positionals) {
      int eq = a.indexOf('=');
      if (eq < 0) {
        throw new UsageException("argument " + Fmt.goQuote(a) + " must be of the form key...=value");
      }
      String key = a.substring(0, eq);
      for (String seg : key.split("\\.", -1)) {
        if (!ACTION_KEY.matcher(seg).matches()) {
          throw new UsageException(
              "key " + Fmt.goQuote(key)
                  + " must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods");
        }
        if (RESERVED.contains(seg)) {
          throw new UsageException("cannot set reserved action key " + Fmt.goQuote(seg));
        }
      }
      sets.add(new String[] {key, a.substring(eq + 1)});
    }
    requireAction();
    for (String[] kv : sets) {
      String[] path = kv[0].split("\\.");
      Map<String, Object> cur = ctx.actionResults;
      for (int i = 0; i < path.length - 1; i++) {
        Object next = cur.get(path[i]);
        if (!(next instanceof Map)) {
          next = new TreeMap<String, Object>();
          cur.put(path[i], next);
        }
        cur = (Map<String, Object>) next;
      }
      cur.put(path[path.length - 1], kv[1]);
    }
  }

  private void actionFail(List<String> args) throws UsageException, RunException {
    String syn = "[\"<message>\"]";
    Flags f = parse(new Flags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 1);
    requireAction();
    ctx.actionFailed = true;
    ctx.actionFailMessage =
        f.positionals.isEmpty()
            ? "action failed without reason given, check action for errors"
            : f.positionals.get(0);
  }

  private void actionLog(List<String> args) throws UsageException, RunException {
    String syn = "<message...>";
    Flags f = parse(new Flags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    if (f.positionals.isEmpty()) {
      throw new UsageException("no message specified");
    }
    requireAction();
    ctx.actionLogs.add(String.join(" ", f.positionals));
  }

  // ---- unit state -----------------------------------------------------------------------

  private void stateGet(List<String> args) throws UsageException, RunException {
    String syn = "[--format F] [--strict] [<key>|-]";
    Flags f = parse(formatFlags().bool("strict"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 1);
    Map<String, String> state = ctx.stateView();
    String key = f.positionals.isEmpty() ? "-" : f.positionals.get(0);
    if (key.equals("-")) {
      if (state.isEmpty() && f.get("format", "smart").equals("json")) {
        emit(f, null);
      } else if (state.isEmpty()) {
        emit(f, Map.of());
      } else {
        emit(f, state);
      }
      return;
    }
    String v = state.get(key);
    if (v == null && f.isTrue("strict")) {
      throw new RunException(Fmt.goQuote(key) + " not found");
    }
    emit(f, v == null ? "" : v);
  }

  private void stateSet(List<String> args) throws UsageException, RunException {
    String syn = "[--file PATH|-] [key=value ...]";
    Flags f = parse(new Flags().str("file"), args, syn);
    if (helped(f, syn)) {
      return;
    }
    Map<String, String> kv = keyValues(f.positionals);
    Map<String, String> settings = new LinkedHashMap<>();
    if (f.has("file")) {
      settings.putAll(fileSettings(f.get("file")));
    }
    settings.putAll(kv);
    for (Map.Entry<String, String> e : settings.entrySet()) {
      if (e.getKey().getBytes(StandardCharsets.UTF_8).length > 256) {
        throw new RunException("max allowed key length (256 bytes) exceeded for key " + Fmt.goQuote(e.getKey()));
      }
      if (e.getValue().getBytes(StandardCharsets.UTF_8).length > 65536) {
        throw new RunException("max allowed value length (65536 bytes) exceeded for key " + Fmt.goQuote(e.getKey()));
      }
    }
    ctx.state.putAll(settings);
  }

  private void stateDelete(List<String> args) throws UsageException {
    String syn = "<key>";
    Flags f = parse(new Flags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    maxArgs(f.positionals, 1);
    if (!f.positionals.isEmpty()) {
      ctx.state.put(f.positionals.get(0), null);
    }
  }

  // ---- resources ------------------------------------------------------------------------

  private void resourceGet(List<String> args) throws UsageException, RunException {
    String syn = "<resource name>";
    Flags f = parse(new Flags(), args, syn);
    if (helped(f, syn)) {
      return;
    }
    if (f.positionals.isEmpty()) {
      throw new UsageException("missing required resource name");
    }
    maxArgs(f.positionals, 1);
    String name = f.positionals.get(0);
    String path = ctx.model.resources.get(name);
    if (path == null || !Files.isRegularFile(Path.of(path))) {
      throw new RunException(
          "could not download resource: HTTP request failed: resource " + Fmt.goQuote(name) + " not found");
    }
    Path src = Path.of(path);
    Path dest = ctx.unitDir.resolve("resources").resolve(name).resolve(src.getFileName());
    try {
      Files.createDirectories(dest.getParent());
      Files.copy(src, dest, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new RunException("could not download resource: " + e.getMessage());
    }
    print(dest + "\n");
  }

  static List<String> names() {
    return Arrays.asList(NAMES.toArray(new String[0]));
  }
}
