package jujusim;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** Options for {@link Sim#create}. */
public final class SimOptions {
  String application;
  String modelName = "sim";
  Map<String, String> env = new TreeMap<>();
  Duration hookTimeout = Duration.ofMinutes(10);

  public static SimOptions defaults() {
    return new SimOptions();
  }

  /** The application name (default: the charm's name from metadata.yaml). */
  public SimOptions application(String name) {
    this.application = name;
    return this;
  }

  public SimOptions modelName(String name) {
    this.modelName = name;
    return this;
  }

  /** An extra environment variable for every hook and action (a test seam). */
  public SimOptions env(String key, String value) {
    this.env.put(key, value);
    return this;
  }

  public SimOptions env(Map<String, String> vars) {
    this.env.putAll(vars);
    return this;
  }

  public SimOptions hookTimeout(Duration timeout) {
    this.hookTimeout = timeout;
    return this;
  }
}
