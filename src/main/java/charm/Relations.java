package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.HookToolException;
import charm.registry.Layout;
import charm.registry.Plan;
import charm.registry.RegistryConfig;
import charm.relations.ClientData;
import charm.relations.CosAgentData;
import charm.relations.NrpeCheck;
import charm.relations.ProxyServices;
import charm.relations.Topology;
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
 * The charm's relations with the rest of the model, always only the keys whose value changed
 * (haproxy and nrpe reload on every change):
 *
 * <ul>
 *   <li>{@code website} (http, to haproxy), written from the plan whatever the container does:
 *       the leader publishes the service with every unit as a server; the other units publish
 *       nothing once the leader's data is there (see {@link #website}, {@link ProxyServices});
 *   <li>{@code peer}: once its registry runs as planned, each unit says where it is;
 *   <li>{@code docker-registry} (containerd), once the container is at the plan: every unit
 *       tells every client where the registry is, how to trust it and how to log in (see {@link
 *       ClientData});
 *   <li>{@code nrpe-external-master}: the check's files for the nrpe subordinate (see {@link
 *       NrpeCheck}), removed with the relation;
 *   <li>{@code cos-agent} (the COS collector, a subordinate), once the container is at the plan:
 *       the scrape job, alert rules and dashboards ({@link CosAgentData}).
 * </ul>
 */
final class Relations {
  static final String PEER = "peer";
  static final String WEBSITE = "website";
  static final String CLIENTS = "docker-registry";
  static final String NRPE = "nrpe-external-master";
  static final String COS_AGENT = "cos-agent";
  /** Where the nrpe check finds the unit's local client certificate (readable by nagios). */
  static final String NRPE_CLIENT_DIR = Layout.NRPE_DIR;
  /** Peer unit data: the address haproxy reaches this unit's registry at. */
  static final String ADDRESS = "registry-address";
  /** Peer unit data: the port this unit's registry listens on. */
  static final String PORT = "registry-port";
  /** Peer application data: the unit whose website data haproxy reads (the leader that last published). */
  static final String PUBLISHER = "website-publisher";

  private final HookTools tools;
  private final HostFiles files;
  private final String unit;
  private final String application;
  private final String brokenRelation;
  private final String modelName;
  private final String modelUuid;
  private final Map<String, List<String>> ids = new HashMap<>();
  private Optional<String> nrpeNote = Optional.empty();
  /** The publisher this process noted in the peer application data, or null. */
  private String publisherNow;

  /**
   * @param brokenRelation the relation id of a {@code -relation-broken} hook (Juju still lists the
   *     relation while it breaks, but it is gone), or ""
   */
  Relations(HookTools tools, HostFiles files, String unit, String application, String brokenRelation) {
    this(tools, files, unit, application, brokenRelation, "", "");
  }

  /** @param modelName and {@code modelUuid}: the model, for the cos-agent topology */
  Relations(HookTools tools, HostFiles files, String unit, String application, String brokenRelation, String modelName, String modelUuid) {
    this.modelName = modelName;
    this.modelUuid = modelUuid;
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

  /**
   * Writes what the relations should say about the registry once it runs as planned: where this
   * unit's registry is (its peer data, for the leader's haproxy servers), the clients' data and
   * nrpe's check. The website relation follows the plan alone ({@link #website}).
   */
  void publish(Plan plan, RegistryConfig cfg, TlsSetup.Outcome tls, String peerRelation) {
    advertise(plan, peerRelation);
    clients(plan, cfg, tls);
    nrpe(plan, cfg, tls);
    cosAgent(cfg);
  }

  /** Whether the cos-agent relation exists (read once per hook, on the full reconcile only). */
  boolean cosAgentRelated() {
    return !ids(COS_AGENT).isEmpty();
  }

  // ---- cos-agent -----------------------------------------------------------------------------

  /**
   * The collector's data ({@link CosAgentData}): computed only while related, written only when
   * it differs. When the relation goes, its data goes with it.
   */
  private void cosAgent(RegistryConfig cfg) {
    List<String> relations = ids(COS_AGENT);
    if (relations.isEmpty()) {
      return;
    }
    Topology topology = new Topology(modelName, modelUuid, application, unit, CosAgentData.CHARM);
    Map<String, String> wanted = Map.of(CosAgentData.KEY, CosAgentData.config(topology, cfg.debugPort(), cfg.registryName()));
    for (String relation : relations) {
      write(relation, tools.relationGet(relation, unit), wanted, List.of(), COS_AGENT);
    }
  }

  // ---- website -------------------------------------------------------------------------------

  /**
   * The website relation (haproxy), written from the plan whatever this unit's container or
   * engine is doing, so that leadership can move to a unit that cannot run its registry without
   * haproxy losing the service:
   *
   * <ul>
   *   <li>the leader publishes the service with every unit as a server, the peers where they
   *       advertise their registry ({@link #ADDRESS}, {@link #PORT}), and notes itself as the
   *       publisher in the peer application data ({@link #PUBLISHER}), committed with the
   *       website data when the hook exits 0;
   *   <li>any other unit withdraws what it published as leader only once the peer data names
   *       another publisher: until the new leader's data is committed, haproxy keeps the old one.
   * </ul>
   *
   * @param peerRelation the peer relation's id, or null before it exists
   * @param peerApp the peer application data as this hook read it
   */
  void website(Plan plan, RegistryConfig cfg, String peerRelation, Map<String, String> peerApp) {
    List<String> relations = ids(WEBSITE);
    String publisher = publisherNow != null ? publisherNow : peerApp.getOrDefault(PUBLISHER, "");
    boolean leader = tools.isLeader();
    if (!leader) {
      if (!publisher.isEmpty() && !publisher.equals(unit)) {
        for (String relation : relations) {
          // A unit with a port but no services would become an extra active server, and a stale
          // services copy would be merged into the leader's.
          write(relation, tools.relationGet(relation, unit), Map.of(), List.of("hostname", "port", "services", "all_services"), "website");
        }
      }
      return;
    }
    if (relations.isEmpty()) {
      if (!publisher.isEmpty() && peerRelation != null) {
        notePublisher(peerRelation, ""); // nobody publishes
      }
      return;
    }
    int port = ContainerReconciler.port(plan);
    String services = ProxyServices.yaml(application, cfg.registryPort(), servers(port), plan.scheme().equals("https"),
        plan.files().stream().anyMatch(f -> f.path().equals(Layout.TLS_CLIENT_CAS)));
    for (String relation : relations) {
      Map<String, String> own = tools.relationGet(relation, unit);
      Map<String, String> wanted = new LinkedHashMap<>();
      String address = address(own);
      wanted.put("hostname", address);
      wanted.put("private-address", address);
      wanted.put("port", String.valueOf(cfg.registryPort()));
      wanted.put("services", services);
      write(relation, own, wanted, List.of("all_services"), "website");
    }
    if (!publisher.equals(unit) && peerRelation != null) {
      notePublisher(peerRelation, unit);
    }
  }

  private void notePublisher(String peerRelation, String publisher) {
    tools.relationSetApp(peerRelation, Map.of(PUBLISHER, publisher));
    publisherNow = publisher;
    tools.log(LogLevel.INFO, publisher.isEmpty() ? "No unit publishes the website service any more"
        : "This unit publishes the website service now (" + PUBLISHER + " in the peer relation)");
  }

  /**
   * Every unit as haproxy reaches it: this unit at its private address and planned port, each
   * peer where it advertises its registry, else at its private address and this unit's port.
   */
  private List<ProxyServices.Server> servers(int port) {
    List<ProxyServices.Server> servers = new ArrayList<>();
    servers.add(new ProxyServices.Server(unit, unitGet("private-address"), port));
    for (String relation : ids(PEER)) {
      for (String peer : tools.relationList(relation)) {
        Map<String, String> bag = tools.relationGet(relation, peer);
        String address = nonEmpty(bag.get(ADDRESS), bag.getOrDefault("private-address", address(bag)));
        if (!address.isEmpty()) {
          servers.add(new ProxyServices.Server(peer, address, advertisedPort(bag.get(PORT), port)));
        }
      }
    }
    return servers;
  }

  private static int advertisedPort(String value, int otherwise) {
    if (value == null || !value.matches("[1-9][0-9]{0,4}")) {
      return otherwise;
    }
    int port = Integer.parseInt(value);
    return port <= 65535 ? port : otherwise;
  }

  /** This unit's registry runs as planned: its peer data says where haproxy reaches it. */
  private void advertise(Plan plan, String peerRelation) {
    if (peerRelation == null) {
      return;
    }
    Map<String, String> wanted = new LinkedHashMap<>();
    String address = unitGet("private-address");
    if (!address.isEmpty()) {
      wanted.put(ADDRESS, address);
    }
    wanted.put(PORT, String.valueOf(ContainerReconciler.port(plan)));
    write(peerRelation, tools.relationGet(peerRelation, unit), wanted, List.of(), "peer");
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
