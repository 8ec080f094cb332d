package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.HookToolException;
import charm.registry.Layout;
import charm.registry.Plan;
import charm.registry.RegistryConfig;
import charm.relations.ClientData;
import charm.relations.NrpeCheck;
import charm.relations.ProxyServices;
import charm.workload.HostFiles;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The charm's relations with the rest of the model, written from the plan once the container is
 * at it, always only the keys whose value changed (haproxy and nrpe reload on every change):
 *
 * <ul>
 *   <li>{@code website} (http, to haproxy): the leader publishes the service with every unit as
 *       a server; the other units publish nothing (see {@link ProxyServices});
 *   <li>{@code docker-registry} (containerd): every unit tells every client where the registry
 *       is, how to trust it and how to log in (see {@link ClientData});
 *   <li>{@code nrpe-external-master}: the check's files for the nrpe subordinate (see {@link
 *       NrpeCheck}), removed with the relation.
 * </ul>
 */
final class Relations {
  static final String PEER = "peer";
  static final String WEBSITE = "website";
  static final String CLIENTS = "docker-registry";
  static final String NRPE = "nrpe-external-master";
  /** Where the nrpe check finds the unit's local client certificate (readable by nagios). */
  static final String NRPE_CLIENT_DIR = Layout.NRPE_DIR;

  private final HookTools tools;
  private final HostFiles files;
  private final String unit;
  private final String application;
  private final String brokenRelation;
  private final Map<String, List<String>> ids = new HashMap<>();
  private Optional<String> nrpeNote = Optional.empty();

  /**
   * @param brokenRelation the relation id of a {@code -relation-broken} hook (Juju still lists the
   *     relation while it breaks, but it is gone), or ""
   */
  Relations(HookTools tools, HostFiles files, String unit, String application, String brokenRelation) {
    this.tools = tools;
    this.files = files;
    this.unit = unit;
    this.application = application;
    this.brokenRelation = brokenRelation;
  }

  /** Live relation ids of an endpoint (read once per hook). */
  List<String> ids(String endpoint) {
    return ids.computeIfAbsent(endpoint,
        e -> tools.relationIds(e).stream().filter(id -> !id.equals(brokenRelation)).toList());
  }

  /** The address of the first proxy unit on the first website relation, if any. */
  Optional<String> proxyAddress() {
    for (String relation : ids(WEBSITE)) {
      for (String proxy : tools.relationList(relation)) {
        String address = address(tools.relationGet(relation, proxy));
        if (!address.isEmpty()) {
          return Optional.of(address);
        }
      }
    }
    return Optional.empty();
  }

  /** How many units the application has (the peers and this one). */
  int units() {
    int units = 1;
    for (String relation : ids(PEER)) {
      units += tools.relationList(relation).size();
    }
    return units;
  }

  /**
   * What the unit's status should add after {@link #publish}: the nrpe unit sent a value that
   * cannot go into the Nagios service definition, so the last good file (if any) stays.
   */
  Optional<String> note() {
    return nrpeNote;
  }

  /** Writes what the relations should say about the planned registry. */
  void publish(Plan plan, RegistryConfig cfg, TlsSetup.Outcome tls) {
    website(plan, cfg);
    clients(plan, cfg, tls);
    nrpe(plan, cfg, tls);
  }

  // ---- website -------------------------------------------------------------------------------

  private void website(Plan plan, RegistryConfig cfg) {
    List<String> relations = ids(WEBSITE);
    if (relations.isEmpty()) {
      return;
    }
    boolean leader = tools.isLeader();
    String services = leader ? ProxyServices.yaml(application, cfg.registryPort(), servers(), plan.scheme().equals("https")) : null;
    for (String relation : relations) {
      Map<String, String> own = tools.relationGet(relation, unit);
      Map<String, String> wanted = new LinkedHashMap<>();
      if (leader) {
        String address = address(own);
        wanted.put("hostname", address);
        wanted.put("private-address", address);
        wanted.put("port", String.valueOf(cfg.registryPort()));
        wanted.put("services", services);
      }
      // Only the leader speaks for the application; a unit with a port but no services would
      // become an extra active server, and a stale services copy would be merged in.
      List<String> absent = leader ? List.of("all_services") : List.of("hostname", "port", "services", "all_services");
      write(relation, own, wanted, absent, "website");
    }
  }

  /** Every unit as haproxy reaches it: the peers' private addresses and this unit's. */
  private List<ProxyServices.Server> servers() {
    List<ProxyServices.Server> servers = new ArrayList<>();
    servers.add(new ProxyServices.Server(unit, unitGet("private-address")));
    for (String relation : ids(PEER)) {
      for (String peer : tools.relationList(relation)) {
        Map<String, String> bag = tools.relationGet(relation, peer);
        String address = bag.getOrDefault("private-address", address(bag));
        if (!address.isEmpty()) {
          servers.add(new ProxyServices.Server(peer, address));
        }
      }
    }
    return servers;
  }

  // ---- docker-registry -----------------------------------------------------------------------

  private void clients(Plan plan, RegistryConfig cfg, TlsSetup.Outcome tls) {
    List<String> relations = ids(CLIENTS);
    if (relations.isEmpty()) {
      return;
    }
    Optional<RegistryConfig.BasicAuth> basic = cfg.basicAuth();
    String ca = plan.scheme().equals("https") ? tls.trustPem() : null;
    Map<String, String> wanted = ClientData.of(plan.netloc(), plan.scheme(),
        basic.map(RegistryConfig.BasicAuth::user).orElse(null), basic.map(RegistryConfig.BasicAuth::password).orElse(null), ca);
    for (String relation : relations) {
      write(relation, tools.relationGet(relation, unit), wanted, List.of(), "docker-registry");
    }
  }

  // ---- nrpe-external-master ------------------------------------------------------------------

  private void nrpe(Plan plan, RegistryConfig cfg, TlsSetup.Outcome tls) {
    List<String> relations = ids(NRPE);
    if (relations.isEmpty()) {
      forgetNrpe();
      return;
    }
    String relation = relations.get(0);
    Optional<String> nrpeUnit = tools.relationList(relation).stream().findFirst();
    Map<String, String> remote = nrpeUnit.map(u -> tools.relationGet(relation, u)).orElse(Map.of());
    List<String> refused = NrpeCheck.refusedRemote(remote);
    for (String key : refused) {
      tools.log(LogLevel.WARNING, "Refused " + key + " " + NrpeCheck.shown(remote.get(key)) + " from " + nrpeUnit.orElse("")
          + " (" + NRPE + "): must be letters, digits, '.', '_' or '-'; the Nagios service file is left as it was");
    }
    nrpeNote = refused.isEmpty() ? Optional.empty()
        : Optional.of("Nagios service not updated: " + NRPE + " sent an invalid " + String.join(" and ", refused) + ".");
    String context = nonEmpty(remote.get("nagios_host_context"), cfg.nagiosContext());
    String hostName = nonEmpty(remote.get("nagios_hostname"), context + "-" + unit.replace('/', '-'));
    String groups = nonEmpty(cfg.nagiosServiceGroups(), context);
    NrpeCheck.ClientFiles client = null;
    boolean changed = false;
    if (plan.scheme().equals("https") && tls.client() != null) {
      client = new NrpeCheck.ClientFiles(NRPE_CLIENT_DIR + "/client.crt", NRPE_CLIENT_DIR + "/client.key");
      files.ensureDirectoryWithMode(NRPE_CLIENT_DIR, "rwxr-x---");
      changed |= files.ensure(client.cert(), bytes(tls.client().certPem()), "rw-r-----");
      changed |= files.ensure(client.key(), bytes(tls.client().keyPem()), "rw-r-----");
      files.shareWithGroup(NRPE_CLIENT_DIR, "nagios");
      files.shareWithGroup(client.cert(), "nagios");
      files.shareWithGroup(client.key(), "nagios");
    } else {
      changed |= removeNrpeClient();
    }
    int port = ContainerReconciler.port(plan);
    changed |= files.ensure(NrpeCheck.COMMAND_FILE, bytes(NrpeCheck.commandFile(port, plan.scheme().equals("https"), client)), "rw-r--r--");
    if (refused.isEmpty()) {
      changed |= files.ensure(NrpeCheck.serviceFile(unit), bytes(NrpeCheck.serviceDefinition(hostName, application, groups)), "rw-r--r--");
    }
    for (String r : relations) {
      Map<String, String> own = tools.relationGet(r, unit);
      Map<String, String> wanted = new LinkedHashMap<>();
      wanted.put("monitors", NrpeCheck.monitors());
      // A new timestamp makes nrpe re-read its files: only when they changed (or never told).
      wanted.put("timestamp", changed || !own.containsKey("timestamp") ? LocalDateTime.now().toString() : own.get("timestamp"));
      write(r, own, wanted, List.of(), "nrpe-external-master");
    }
    if (changed) {
      tools.log(LogLevel.INFO, "Wrote the Nagios check " + NrpeCheck.COMMAND + " (" + NrpeCheck.COMMAND_FILE + ")");
    }
  }

  /** Without the nrpe relation, the check's files go. */
  private void forgetNrpe() {
    boolean removed = files.delete(NrpeCheck.COMMAND_FILE) | files.delete(NrpeCheck.serviceFile(unit)) | removeNrpeClient();
    if (removed) {
      tools.log(LogLevel.INFO, "Removed the Nagios check (nrpe-external-master is no longer related)");
    }
  }

  private boolean removeNrpeClient() {
    boolean removed = files.delete(NRPE_CLIENT_DIR + "/client.crt") | files.delete(NRPE_CLIENT_DIR + "/client.key");
    files.deleteEmptyDirectory(NRPE_CLIENT_DIR);
    return removed;
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Sets the keys whose value differs and deletes the listed keys that are present. */
  private void write(String relation, Map<String, String> own, Map<String, String> wanted, List<String> absent, String what) {
    Map<String, String> changes = new LinkedHashMap<>();
    wanted.forEach((k, v) -> {
      if (!v.equals(own.get(k))) {
        changes.put(k, v);
      }
    });
    absent.stream().filter(own::containsKey).forEach(k -> changes.put(k, ""));
    if (!changes.isEmpty()) {
      tools.relationSet(relation, changes);
      tools.log(LogLevel.INFO, "Updated " + what + " relation data (" + String.join(", ", changes.keySet()) + ")");
    }
  }

  private static String address(Map<String, String> bag) {
    String ingress = bag.get("ingress-address");
    return ingress != null && !ingress.isEmpty() ? ingress : bag.getOrDefault("private-address", "");
  }

  private String unitGet(String setting) {
    try {
      return tools.unitGet(setting);
    } catch (HookToolException e) {
      return "";
    }
  }

  private static String nonEmpty(String value, String otherwise) {
    return value == null || value.isEmpty() ? otherwise : value;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
