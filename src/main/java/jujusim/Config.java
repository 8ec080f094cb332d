package jujusim;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/** {@code juju config} rules: option names and types from config.yaml (spec §1 config-get, §7). */
final class Config {
  private Config() {}

  /** Converts a value to the option's type, as {@code juju config} does, or throws. */
  static Object coerce(String option, String type, Object value) {
    if (value == null) {
      return null;
    }
    String text = String.valueOf(value);
    switch (type) {
      case "int":
        if (value instanceof Integer || value instanceof Long) {
          return ((Number) value).longValue();
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
          return n.longValue();
        }
        if (value instanceof String) {
          try {
            return Long.parseLong(text.trim());
          } catch (NumberFormatException e) {
            // fall through
          }
        }
        throw bad(option, "int", value);
      case "float":
        if (value instanceof Number n) {
          return n.doubleValue();
        }
        if (value instanceof String) {
          try {
            return Double.parseDouble(text.trim());
          } catch (NumberFormatException e) {
            // fall through
          }
        }
        throw bad(option, "float", value);
      case "boolean":
        if (value instanceof Boolean b) {
          return b;
        }
        if (value instanceof String) {
          switch (text.trim()) {
            case "true", "True", "TRUE", "yes", "on", "1", "t", "T" -> {
              return true;
            }
            case "false", "False", "FALSE", "no", "off", "0", "f", "F" -> {
              return false;
            }
            default -> {}
          }
        }
        throw bad(option, "boolean", value);
      default:
        if (value instanceof String s) {
          return s;
        }
        if (value instanceof Number || value instanceof Boolean) {
          return text;
        }
        throw bad(option, type, value);
    }
  }

  private static SimException bad(String option, String type, Object value) {
    return new SimException(
        "option \"" + option + "\" expected " + type + ", got " + Fmt.goQuote(String.valueOf(value)));
  }

  /** Applies {@code juju config} set/reset to the user-set values; validates first. */
  static void apply(
      Charm charm, Map<String, Object> userSet, Map<String, Object> set, Collection<String> reset) {
    Map<String, Object> next = new TreeMap<>(userSet);
    for (String key : reset) {
      if (!charm.options.containsKey(key)) {
        throw new SimException("unknown option \"" + key + "\"");
      }
      next.remove(key);
    }
    for (Map.Entry<String, Object> e : set.entrySet()) {
      Object[] spec = charm.options.get(e.getKey());
      if (spec == null) {
        throw new SimException("unknown option \"" + e.getKey() + "\"");
      }
      if (e.getValue() == null) {
        next.remove(e.getKey());
      } else {
        next.put(e.getKey(), coerce(e.getKey(), (String) spec[0], e.getValue()));
      }
    }
    userSet.clear();
    userSet.putAll(next);
  }

  /** The config-get view: every option with a value (user-set or non-null default). */
  static Map<String, Object> effective(Charm charm, Map<String, Object> userSet, boolean all) {
    Map<String, Object> out = new TreeMap<>();
    charm.options.forEach(
        (k, spec) -> {
          Object v = userSet.containsKey(k) ? coerce(k, (String) spec[0], userSet.get(k)) : spec[1];
          if (v != null || all) {
            out.put(k, v);
          }
        });
    return out;
  }
}
