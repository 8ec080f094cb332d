package charm;

import charm.juju.HookTools;
import charm.juju.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An in-memory stand-in for Juju's hook tools that records which tools were called. */
final class RecordingHookTools implements HookTools {
  final List<String> calls = new ArrayList<>();
  /** Every juju-log line, as {@code LEVEL message}. */
  final List<String> logs = new ArrayList<>();
  final Map<String, Object> config = new HashMap<>();
  final Map<String, String> leaderSettings = new HashMap<>();
  final Map<String, String> state = new HashMap<>();
  final Map<String, Object> params = new HashMap<>();
  /** The peer relation's application bag; null while there is no peer relation. */
  Map<String, String> peerApp;
  /** The peer relation's unit bags by unit name, this unit's ({@link #unit}) included. */
  final Map<String, Map<String, String>> peerUnits = new java.util.TreeMap<>();
  /** This unit's bag on the one website relation ({@code website:1}); null while there is none. */
  Map<String, String> websiteOwn;
  /** Every relation-set, as {@code <relation id>[ --app] <data>}, in order. */
  final List<String> relationSets = new ArrayList<>();
  /** The unit these tools run for. */
  String unit = "docker-registry/0";
  /** Every leader-set call's data, in order. */
  final List<Map<String, String>> leaderSets = new ArrayList<>();
  boolean leader;
  Status status;
  String failure;

  @Override
  public Map<String, Object> configGet() {
    calls.add("config-get");
    return new HashMap<>(config);
  }

  @Override
  public List<String> relationIds(String endpoint) {
    calls.add("relation-ids");
    if (endpoint.equals("website")) {
      return websiteOwn != null ? List.of("website:1") : List.of();
    }
    return endpoint.equals("peer") && peerApp != null ? List.of("peer:0") : List.of();
  }

  @Override
  public List<String> relationList(String relationId) {
    calls.add("relation-list");
    return isPeer(relationId) ? peerUnits.keySet().stream().filter(u -> !u.equals(unit)).toList() : List.of();
  }

  private boolean isPeer(String relationId) {
    return relationId.equals("peer:0") && peerApp != null;
  }

  @Override
  public String relationRemoteApp(String relationId) {
    calls.add("relation-list");
    return "";
  }

  @Override
  public Map<String, String> relationGet(String relationId, String unit) {
    calls.add("relation-get");
    if (relationId.equals("website:1") && websiteOwn != null && unit.equals(this.unit)) {
      return new HashMap<>(websiteOwn);
    }
    return isPeer(relationId) ? new HashMap<>(peerUnits.getOrDefault(unit, Map.of())) : Map.of();
  }

  @Override
  public Map<String, String> relationGetApp(String relationId, String app) {
    calls.add("relation-get");
    return relationId.equals("peer:0") && peerApp != null ? new HashMap<>(peerApp) : Map.of();
  }

  @Override
  public void relationSet(String relationId, Map<String, String> data) {
    calls.add("relation-set");
    relationSets.add(relationId + " " + new java.util.TreeMap<>(data));
    if (isPeer(relationId)) {
      peerUnits.computeIfAbsent(unit, u -> new HashMap<>()).putAll(data);
    }
    if (relationId.equals("website:1") && websiteOwn != null) {
      data.forEach((k, v) -> {
        if (v.isEmpty()) {
          websiteOwn.remove(k); // relation-set: an empty value deletes the key
        } else {
          websiteOwn.put(k, v);
        }
      });
    }
  }

  @Override
  public void relationSetApp(String relationId, Map<String, String> data) {
    calls.add("relation-set");
    if (!leader) {
      throw new IllegalStateException("cannot write relation settings");
    }
    relationSets.add(relationId + " --app " + new java.util.TreeMap<>(data));
    if (relationId.equals("peer:0") && peerApp != null) {
      data.forEach((k, v) -> {
        if (v.isEmpty()) {
          peerApp.remove(k); // relation-set: an empty value deletes the key
        } else {
          peerApp.put(k, v);
        }
      });
    }
  }

  @Override
  public Map<String, String> leaderGet() {
    calls.add("leader-get");
    return new HashMap<>(leaderSettings);
  }

  @Override
  public void leaderSet(Map<String, String> data) {
    calls.add("leader-set");
    if (!leader) {
      throw new IllegalStateException("not the leader");
    }
    leaderSets.add(Map.copyOf(data));
    data.forEach((k, v) -> {
      if (v.isEmpty()) {
        leaderSettings.remove(k);
      } else {
        leaderSettings.put(k, v);
      }
    });
  }

  @Override
  public boolean isLeader() {
    calls.add("is-leader");
    return leader;
  }

  @Override
  public void statusSet(Status status) {
    calls.add("status-set");
    this.status = status;
  }

  @Override
  public void applicationStatusSet(Status status) {
    calls.add("status-set");
  }

  @Override
  public void applicationVersionSet(String version) {
    calls.add("application-version-set");
  }

  @Override
  public void log(LogLevel level, String message) {
    calls.add("juju-log");
    logs.add(level + " " + message);
  }

  @Override
  public void openPort(int port, String protocol) {
    calls.add("open-port");
  }

  @Override
  public void closePort(int port, String protocol) {
    calls.add("close-port");
  }

  @Override
  public List<String> openedPorts() {
    calls.add("opened-ports");
    return List.of();
  }

  @Override
  public Map<String, Object> networkGet(String binding) {
    calls.add("network-get");
    return Map.of();
  }

  @Override
  public String ingressAddress(String binding) {
    calls.add("network-get");
    return "10.0.0.5";
  }

  @Override
  public String unitGet(String setting) {
    calls.add("unit-get");
    return "10.0.0.5";
  }

  @Override
  public Map<String, Object> actionGet() {
    calls.add("action-get");
    return new HashMap<>(params);
  }

  @Override
  public void actionSet(Map<String, String> results) {
    calls.add("action-set");
  }

  @Override
  public void actionFail(String message) {
    calls.add("action-fail");
    failure = message;
  }

  @Override
  public void actionLog(String message) {
    calls.add("action-log");
  }

  @Override
  public Map<String, String> stateGet() {
    calls.add("state-get");
    return new HashMap<>(state);
  }

  @Override
  public void stateSet(Map<String, String> data) {
    calls.add("state-set");
    state.putAll(data);
  }

  @Override
  public void stateDelete(String key) {
    calls.add("state-delete");
    state.remove(key);
  }

  @Override
  public Path resourceGet(String name) {
    calls.add("resource-get");
    // What Juju says when no file was attached.
    throw new charm.juju.HookToolException(List.of("resource-get", name), 1,
        "could not download resource: HTTP request failed: resource \"" + name + "\" not found");
  }
}
