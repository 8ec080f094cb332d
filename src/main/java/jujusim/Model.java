package jujusim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated model: one application of the charm under test, its units and relations. Saved as
 * JSON ({@code model.json}) in the simulator's work directory so that command-line invocations
 * continue it. Plain public fields so that Jackson maps it without ceremony.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Model {
  public String modelName = "sim";
  public String modelUuid;
  public String application;
  /** A {@code .charm} zip or a charm directory. */
  public String charm;
  /** Values set with {@code juju config} (typed); defaults come from config.yaml. */
  public Map<String, Object> config = new TreeMap<>();
  public Map<String, Unit> units = new LinkedHashMap<>();
  public int nextUnit;
  public Map<String, String> leaderSettings = new TreeMap<>();
  /** Set by the leader with {@code status-set --application}; null until then. */
  public StatusInfo appStatus;
  @JsonDeserialize(as = TreeMap.class)
  public Map<Integer, Relation> relations = new TreeMap<>();
  public int nextRelationId;
  /** Resource name → path of the attached file. */
  public Map<String, String> resources = new TreeMap<>();
  public ActionOutcome lastAction;
  /** Extra environment for every hook (test seams). */
  public Map<String, String> env = new TreeMap<>();
  /**
   * Extra environment of one unit's hooks, by unit name (a test seam: each simulated unit may be
   * its own machine, with its own root and Docker engine); it may be set before the unit exists.
   */
  public Map<String, Map<String, String>> unitEnv = new TreeMap<>();
  /**
   * Placement of units not yet added ({@code juju add-unit --to <machine>}), by unit name: units on
   * one machine share its ports. The default is a machine of its own, numbered as the unit.
   */
  public Map<String, String> unitMachines = new TreeMap<>();
  /** Addresses for units not yet added, by unit name (the default is 127.0.0.1). */
  public Map<String, String> unitAddresses = new TreeMap<>();
  /**
   * A unit that is its own machine on the network: its hooks run inside this network namespace
   * ({@code ip netns exec}), by unit name.
   */
  public Map<String, String> unitNetns = new TreeMap<>();
  /**
   * Where such a unit's hooks reach the simulator's hook-tool server (an address of the root
   * namespace its namespace can route to), by unit name; loopback otherwise.
   */
  public Map<String, String> unitAgentAddress = new TreeMap<>();
  public long hookTimeoutMillis = 10 * 60 * 1000L;
  public boolean removed;

  /** A status with its message and time. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class StatusInfo {
    public String status;
    public String message = "";
    public long since;

    public StatusInfo() {}

    public StatusInfo(String status, String message) {
      this.status = status;
      this.message = message == null ? "" : message;
      this.since = System.currentTimeMillis();
    }

    @Override
    public String toString() {
      return message.isEmpty() ? status : status + " (" + message + ")";
    }
  }

  /** One juju-log line. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class LogLine {
    public String level;
    public String message;
    public String hook;

    public LogLine() {}

    public LogLine(String level, String message, String hook) {
      this.level = level;
      this.message = message;
      this.hook = hook;
    }

    @Override
    public String toString() {
      return level + " " + message;
    }
  }

  /** One entry of a unit's hook history. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class HookRecord {
    public String hook;
    public int exitCode;
    public long millis;

    public HookRecord() {}

    public HookRecord(String hook, int exitCode, long millis) {
      this.hook = hook;
      this.exitCode = exitCode;
      this.millis = millis;
    }

    @Override
    public String toString() {
      return hook + "=" + exitCode;
    }
  }

  /** An opened port range; {@code endpoints} null means all endpoints. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class PortRange {
    public String protocol;
    public int from;
    public int to;
    public List<String> endpoints;

    public PortRange() {}

    public PortRange(String protocol, int from, int to) {
      this.protocol = protocol;
      this.from = from;
      this.to = to;
    }

    public String range() {
      if (protocol.equals("icmp")) {
        return "icmp";
      }
      return (from == to ? String.valueOf(from) : from + "-" + to) + "/" + protocol;
    }

    PortRange copy() {
      PortRange p = new PortRange(protocol, from, to);
      p.endpoints = endpoints == null ? null : new ArrayList<>(endpoints);
      return p;
    }
  }

  /** A hook queued for a unit (used while a unit is in error, and for follow-up events). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Event {
    public String unit;
    public String hook;
    public Integer relationId;
    public String remoteUnit;
    public String departingUnit;

    public Event() {}

    public Event(String unit, String hook) {
      this.unit = unit;
      this.hook = hook;
    }

    @Override
    public String toString() {
      return unit + ":" + hook + (remoteUnit == null ? "" : "(" + remoteUnit + ")");
    }
  }

  /** One unit of the application. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Unit {
    public String name;
    public boolean leader;
    public String address = "127.0.0.1";
    public StatusInfo status = new StatusInfo("waiting", "agent initialising");
    public boolean statusEverSet;
    public List<StatusInfo> statusHistory = new ArrayList<>();
    /** The hook that failed (unit in error) or null. */
    public String errorHook;
    public String workloadVersion = "";
    public List<PortRange> ports = new ArrayList<>();
    public Map<String, String> state = new TreeMap<>();
    public List<LogLine> logs = new ArrayList<>();
    public List<HookRecord> hooks = new ArrayList<>();
    /** Hooks held back while the unit is in error. */
    public List<Event> pending = new ArrayList<>();
    /** The event of the failed hook (retried by resolve). */
    public Event failedEvent;
    public boolean removed;
    /** The machine the unit runs on (null in a model saved before placement: its own). */
    public String machine;

    public int number() {
      return Integer.parseInt(name.substring(name.indexOf('/') + 1));
    }

    public String machine() {
      return machine == null ? String.valueOf(number()) : machine;
    }
  }

  /** A relation of one of the charm's endpoints (peer relations have no remote application). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Relation {
    public int id;
    public String endpoint;
    public String iface;
    /** provides, requires or peers. */
    public String role;
    public String remoteApp;
    public List<String> remoteUnits = new ArrayList<>();
    public Map<String, Map<String, String>> remoteUnitData = new TreeMap<>();
    public Map<String, String> remoteAppData = new TreeMap<>();
    public Map<String, Map<String, String>> localUnitData = new TreeMap<>();
    public Map<String, String> localAppData = new TreeMap<>();
    /** Local unit → the units it currently sees in relation-list (key present = in scope). */
    public Map<String, List<String>> members = new TreeMap<>();

    public boolean peer() {
      return "peers".equals(role);
    }

    public String key() {
      return endpoint + ":" + id;
    }
  }
}
