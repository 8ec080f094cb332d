package jujusim;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Juju's output formatters (spec §0.3): Go-style JSON, yaml.v2-like YAML and "smart".
 *
 * <p>Plain maps are written with sorted keys; a {@link Struct} keeps its insertion order, as Go
 * structs keep their field order.
 */
final class Fmt {
  private Fmt() {}

  /** A map whose key order is significant (a Go struct). */
  static final class Struct extends LinkedHashMap<String, Object> {
    Struct with(String key, Object value) {
      put(key, value);
      return this;
    }
  }

  static boolean isFormat(String f) {
    return f.equals("smart") || f.equals("json") || f.equals("yaml");
  }

  /** Formats a value; returns the exact bytes to print ("" prints nothing). */
  static String format(String format, Object value) {
    switch (format) {
      case "json":
        return json(value) + "\n";
      case "yaml":
        return yaml(value);
      default:
        return smart(value);
    }
  }

  static String smart(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof String s) {
      return s.isEmpty() ? "" : s + "\n";
    }
    if (value instanceof Boolean b) {
      return b ? "True\n" : "False\n";
    }
    if (value instanceof List<?> list && list.stream().allMatch(o -> o instanceof String)) {
      if (list.isEmpty()) {
        return "";
      }
      StringBuilder sb = new StringBuilder();
      for (Object o : list) {
        sb.append(o).append('\n');
      }
      return sb.toString();
    }
    return yaml(value);
  }

  static String yaml(Object value) {
    if (value == null) {
      return "";
    }
    DumperOptions opts = new DumperOptions();
    opts.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    opts.setIndent(2);
    opts.setIndicatorIndent(0);
    opts.setWidth(Integer.MAX_VALUE);
    opts.setSplitLines(false);
    String out = new Yaml(opts).dump(yamlTree(value));
    int end = out.length();
    while (end > 0 && out.charAt(end - 1) == '\n') {
      end--;
    }
    return out.substring(0, end) + "\n";
  }

  private static Object yamlTree(Object v) {
    if (v instanceof Struct s) {
      Map<String, Object> out = new LinkedHashMap<>();
      s.forEach((k, x) -> out.put(k, yamlTree(x)));
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), yamlTree(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(yamlTree(x)));
      return out;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return (long) d;
      }
    }
    return v;
  }

  /** Go encoding/json style, compact, sorted map keys, without the trailing newline. */
  static String json(Object value) {
    StringBuilder sb = new StringBuilder();
    writeJson(sb, value);
    return sb.toString();
  }

  private static void writeJson(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof Boolean b) {
      sb.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      sb.append(number(((Number) v).doubleValue()));
    } else if (v instanceof Number n) {
      sb.append(n.toString());
    } else if (v instanceof Map<?, ?> m) {
      Map<String, Object> entries = new LinkedHashMap<>();
      if (v instanceof Struct) {
        m.forEach((k, x) -> entries.put(String.valueOf(k), x));
      } else {
        new TreeMap<>(stringKeys(m)).forEach(entries::put);
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : entries.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(sb, e.getKey());
        sb.append(':');
        writeJson(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        writeJson(sb, l.get(i));
      }
      sb.append(']');
    } else {
      quote(sb, v.toString());
    }
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, x) -> out.put(String.valueOf(k), x));
    return out;
  }

  static String number(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e21) {
      return new BigDecimal(d).toPlainString();
    }
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> sb.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Go's %q of a string slice, as in {@code unrecognized args: ["x" "y"]}. */
  static String goQuoteList(List<String> items) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(goQuote(items.get(i)));
    }
    return sb.append(']').toString();
  }

  static String goQuote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
