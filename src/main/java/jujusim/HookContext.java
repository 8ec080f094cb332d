package jujusim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The state of one running hook or action: who runs it, and its not-yet-committed changes. */
final class HookContext {
  final String id;
  final Model model;
  final Charm charm;
  final Model.Unit unit;
  final Path unitDir;
  /** The hook name, or the action name for actions. */
  final String name;
  final boolean action;
  /** The hook's relation (relation hooks only). */
  final Model.Relation relation;
  final String remoteUnit;
  final String departingUnit;

  // action state
  Map<String, Object> actionParams = new TreeMap<>();
  final Map<String, Object> actionResults = new TreeMap<>();
  boolean actionFailed;
  String actionFailMessage = "";
  final List<String> actionLogs = new ArrayList<>();

  // staged (transactional) changes: null value = delete
  final Map<Integer, Map<String, String>> unitBags = new HashMap<>();
  final Map<Integer, Map<String, String>> appBags = new HashMap<>();
  final Map<String, String> state = new LinkedHashMap<>();
  final List<PortOp> portOps = new ArrayList<>();
  /** Every hook tool the process ran, in order. */
  final List<String> toolCalls = java.util.Collections.synchronizedList(new ArrayList<>());

  /** Set when leader-set changed the leader settings (non-leaders then get an event). */
  boolean leaderSettingsChanged;

  record PortOp(boolean open, Model.PortRange range, List<String> endpoints) {}

  HookContext(
      String id,
      Model model,
      Charm charm,
      Model.Unit unit,
      Path unitDir,
      String name,
      boolean action,
      Model.Relation relation,
      String remoteUnit,
      String departingUnit) {
    this.id = id;
    this.model = model;
    this.charm = charm;
    this.unit = unit;
    this.unitDir = unitDir;
    this.name = name;
    this.action = action;
    this.relation = relation;
    this.remoteUnit = remoteUnit;
    this.departingUnit = departingUnit;
  }

  String appName() {
    return model.application;
  }

  /** The unit's own bag in a relation, with this hook's pending writes. */
  Map<String, String> ownUnitBag(Model.Relation r) {
    Map<String, String> bag = new TreeMap<>(r.localUnitData.getOrDefault(unit.name, Map.of()));
    overlay(bag, unitBags.get(r.id));
    return bag;
  }

  /** The local application bag with this hook's pending writes. */
  Map<String, String> ownAppBag(Model.Relation r) {
    Map<String, String> bag = new TreeMap<>(r.localAppData);
    overlay(bag, appBags.get(r.id));
    return bag;
  }

  Map<String, String> stateView() {
    Map<String, String> s = new TreeMap<>(unit.state);
    overlay(s, state);
    return s;
  }

  List<Model.PortRange> portsView() {
    List<Model.PortRange> ports = new ArrayList<>();
    unit.ports.forEach(p -> ports.add(p.copy()));
    for (PortOp op : portOps) {
      Ports.apply(ports, op.open(), op.range(), op.endpoints());
    }
    return ports;
  }

  static void overlay(Map<String, String> target, Map<String, String> changes) {
    if (changes == null) {
      return;
    }
    changes.forEach(
        (k, v) -> {
          if (v == null) {
            target.remove(k);
          } else {
            target.put(k, v);
          }
        });
  }

  /**
   * Commits the staged changes (the hook exited 0). Returns the relation ids whose local bags
   * actually changed (peers then get -relation-changed).
   */
  List<Integer> commit() {
    List<Integer> changed = new ArrayList<>();
    for (Map.Entry<Integer, Map<String, String>> e : unitBags.entrySet()) {
      Model.Relation r = model.relations.get(e.getKey());
      if (r == null) {
        continue;
      }
      Map<String, String> bag = r.localUnitData.computeIfAbsent(unit.name, k -> new TreeMap<>());
      Map<String, String> before = new TreeMap<>(bag);
      overlay(bag, e.getValue());
      if (!before.equals(bag) && !changed.contains(r.id)) {
        changed.add(r.id);
      }
    }
    for (Map.Entry<Integer, Map<String, String>> e : appBags.entrySet()) {
      Model.Relation r = model.relations.get(e.getKey());
      if (r == null) {
        continue;
      }
      Map<String, String> before = new TreeMap<>(r.localAppData);
      overlay(r.localAppData, e.getValue());
      if (!before.equals(r.localAppData) && !changed.contains(r.id)) {
        changed.add(r.id);
      }
    }
    overlay(unit.state, state);
    unit.ports = portsView();
    return changed;
  }
}
