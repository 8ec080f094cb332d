package jujusim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code juju run} parameter checks against actions.yaml (spec §7), with defaults filled in. */
final class Actions {
  private Actions() {}

  /** Validates params for the action and returns them with defaults applied. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> validate(Charm charm, String unit, String action, Map<String, Object> params) {
    Map<String, Object> spec = charm.actions.get(action);
    if (spec == null) {
      throw new SimException("action " + Fmt.goQuote(action) + " not defined on unit " + Fmt.goQuote(unit));
    }
    Map<String, Object> schema = new TreeMap<>();
    schema.put("type", "object");
    schema.put("properties", spec.getOrDefault("params", Map.of()));
    if (spec.containsKey("required")) {
      schema.put("required", spec.get("required"));
    }
    schema.put("additionalProperties", spec.getOrDefault("additionalProperties", true));
    Map<String, Object> copy = (Map<String, Object>) deepCopy(params == null ? Map.of() : params);
    check(copy, schema, "(root)");
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static void check(Object value, Map<String, Object> schema, String path) {
    Object type = schema.get("type");
    if (type != null) {
      List<String> types = type instanceof List ? (List<String>) type : List.of(String.valueOf(type));
      if (types.stream().noneMatch(t -> is(value, t))) {
        throw fail(path, "Invalid type. Expected: " + String.join(", ", types) + ", given: " + typeOf(value));
      }
    }
    if (schema.get("enum") instanceof List<?> options && !options.contains(value)) {
      List<String> shown = new ArrayList<>();
      options.forEach(o -> shown.add(o instanceof String s ? Fmt.goQuote(s) : String.valueOf(o)));
      throw fail(path, path.substring(path.lastIndexOf('.') + 1) + " must be one of the following: " + String.join(", ", shown));
    }
    if (value instanceof Number n && !(value instanceof Boolean)) {
      // gojsonschema's words (Juju validates params with it); bounds print as Go prints numbers
      if (schema.get("minimum") instanceof Number min && n.doubleValue() < min.doubleValue()) {
        throw fail(path, "Must be greater than or equal to " + Fmt.number(min.doubleValue()));
      }
      if (schema.get("maximum") instanceof Number max && n.doubleValue() > max.doubleValue()) {
        throw fail(path, "Must be less than or equal to " + Fmt.number(max.doubleValue()));
      }
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> obj = (Map<String, Object>) m;
      Map<String, Object> props = Charm.asMap(schema.get("properties"), "params");
      Object additional = schema.get("additionalProperties");
      if (Boolean.FALSE.equals(additional)) {
        for (String k : obj.keySet()) {
          if (!props.containsKey(k)) {
            throw fail(path, "Additional property " + k + " is not allowed");
          }
        }
      }
      if (schema.get("required") instanceof Collection<?> req) {
        for (Object r : req) {
          if (!obj.containsKey(String.valueOf(r))) {
            throw fail(path, r + " is required");
          }
        }
      }
      for (Map.Entry<String, Object> p : props.entrySet()) {
        Map<String, Object> ps = Charm.asMap(p.getValue(), "param " + p.getKey());
        if (obj.containsKey(p.getKey())) {
          check(obj.get(p.getKey()), ps, path + "." + p.getKey());
        } else if (ps.containsKey("default")) {
          obj.put(p.getKey(), deepCopy(ps.get("default")));
        }
      }
    }
  }

  private static SimException fail(String path, String message) {
    return new SimException("validation failed: " + path + " : " + message);
  }

  private static boolean is(Object v, String type) {
    return switch (type) {
      case "string" -> v instanceof String;
      case "integer" -> v instanceof Integer || v instanceof Long
          || (v instanceof Double d && d == Math.rint(d) && !d.isInfinite());
      case "number" -> v instanceof Number;
      case "boolean" -> v instanceof Boolean;
      case "object" -> v instanceof Map;
      case "array" -> v instanceof List;
      case "null" -> v == null;
      default -> true;
    };
  }

  private static String typeOf(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof Integer || v instanceof Long) {
      return "integer";
    }
    if (v instanceof Number) {
      return "number";
    }
    if (v instanceof Boolean) {
      return "boolean";
    }
    if (v instanceof Map) {
      return "object";
    }
    return v instanceof List ? "array" : v.getClass().getSimpleName();
  }

  static Object deepCopy(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), deepCopy(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(deepCopy(x)));
      return out;
    }
    return v;
  }
}
