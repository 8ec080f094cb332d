package charm.registry;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes the YAML subset config.yml uses, byte for byte as SnakeYAML 2.4 wrote it for the charm
 * before (block style, 2-space indent, list items indented under their key, every string
 * double-quoted, braces or brackets for empty collections). The bytes matter: config.yml's
 * content is in the container's spec hash, so another rendering of the same options would replace
 * every registry at the next upgrade. {@code BlockYamlTest} holds it to SnakeYAML's output.
 *
 * <p>Every string value is double-quoted (keys are fixed identifiers). A quoted scalar is a string
 * to every YAML reader, whereas a plain one is typed by the reader's own implicit rules, and the
 * registry's (go-yaml v2) know more than YAML 1.1's: plain {@code 0o17} is the integer 15 and
 * plain {@code n} is false to it, and storage driver parameters keep that type. Quoting all
 * strings, rather than those that fail a "plain-safe" pattern, leaves no such rule to get wrong or
 * keep in sync; the file is machine-written, so the cost is only cosmetic. Booleans and numbers
 * stay plain.
 *
 * <p>Why not SnakeYAML itself: creating a {@code Yaml} starts {@code System.getLogger}, which
 * scans every jar for a logger service and starts java.util.logging, and its representer
 * introspects beans; that was about a quarter of an update-status hook, which only compares the
 * text with the file.
 *
 * <p>Values: {@code Map} (keys are plain identifiers), {@code List}, {@code String}, {@code
 * Boolean}, {@code Integer}, {@code Long} and {@code Double}; anything else is refused. A
 * collection that appears twice is written out twice (SnakeYAML would have used an anchor; config.yml
 * never shares one).
 */
final class BlockYaml {
  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

  private BlockYaml() {}

  /** The document for a map, ending with a line break. */
  static String dump(Map<?, ?> root) {
    StringBuilder out = new StringBuilder();
    if (root.isEmpty()) {
      return "{}\n";
    }
    map(out, root, 0);
    return out.toString();
  }

  private static void map(StringBuilder out, Map<?, ?> map, int indent) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String key) || !PLAIN_KEY.matcher(key).matches()) {
        throw new IllegalArgumentException("not a plain YAML key: " + e.getKey());
      }
      out.append(" ".repeat(indent)).append(key).append(':');
      value(out, e.getValue(), indent);
    }
  }

  /** The value after {@code key:} (or after {@code - }), from a line indented by {@code indent}. */
  private static void value(StringBuilder out, Object value, int indent) {
    if (value instanceof Map<?, ?> m && !m.isEmpty()) {
      out.append('\n');
      map(out, m, indent + 2);
    } else if (value instanceof List<?> l && !l.isEmpty()) {
      out.append('\n');
      for (Object item : l) {
        out.append(" ".repeat(indent + 2)).append('-');
        if (item instanceof Map<?, ?> m && !m.isEmpty()) {
          // The first entry goes on the dash's line, the others line up under it.
          StringBuilder entries = new StringBuilder();
          map(entries, m, indent + 4);
          out.append(' ').append(entries, indent + 4, entries.length());
        } else if (item instanceof List<?> inner && !inner.isEmpty()) {
          throw new IllegalArgumentException("a list directly in a list");
        } else {
          value(out, item, indent + 2);
        }
      }
    } else {
      out.append(' ').append(scalar(value)).append('\n');
    }
  }

  private static String scalar(Object value) {
    if (value instanceof String s) {
      return doubleQuoted(s);
    }
    if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
      return value.toString();
    }
    if (value instanceof Double d && Double.isFinite(d)) {
      return d.toString();
    }
    if (value instanceof Map<?, ?> m && m.isEmpty()) {
      return "{}";
    }
    if (value instanceof List<?> l && l.isEmpty()) {
      return "[]";
    }
    throw new IllegalArgumentException("not a config.yml value: " + (value == null ? "null" : value.getClass().getSimpleName()));
  }

  /**
   * A double-quoted scalar, escaped as SnakeYAML's emitter does with unicode allowed and no line
   * splitting: printable ASCII as is, but for {@code "} and {@code \}; the YAML short escapes
   * ({@code \0 \a \b \t \n \v \f \r \e \N \_ \L \P}); other printable characters (and the BOM)
   * as is; anything else as a hex escape ({@code \x} and two digits, a backslash with {@code u} and
   * four, or with {@code U} and eight), in lower case.
   */
  static String doubleQuoted(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch >= 0x20 && ch <= 0x7E && ch != '"' && ch != '\\') {
        out.append(ch);
        continue;
      }
      String shortEscape = shortEscape(ch);
      if (shortEscape != null) {
        out.append('\\').append(shortEscape);
        continue;
      }
      int codePoint = Character.isHighSurrogate(ch) && i + 1 < text.length() ? Character.toCodePoint(ch, text.charAt(i + 1)) : ch;
      if (printable(codePoint)) {
        out.appendCodePoint(codePoint);
        i += Character.charCount(codePoint) - 1;
      } else if (ch <= 0xFF) {
        out.append("\\x").append(hex(ch, 2));
      } else if (Character.charCount(codePoint) == 2) {
        out.append("\\U").append(hex(codePoint, 8));
        i++;
      } else {
        out.append("\\u").append(hex(ch, 4));
      }
    }
    return out.append('"').toString();
  }

  private static String shortEscape(char ch) {
    return switch (ch) {
      case '\0' -> "0";
      case '\u0007' -> "a";
      case '\b' -> "b";
      case '\t' -> "t";
      case '\n' -> "n";
      case '\u000B' -> "v";
      case '\f' -> "f";
      case '\r' -> "r";
      case '\u001B' -> "e";
      case '"' -> "\"";
      case '\\' -> "\\";
      case '\u0085' -> "N";
      case '\u00A0' -> "_";
      case '\u2028' -> "L";
      case '\u2029' -> "P";
      default -> null;
    };
  }

  /** YAML 1.1's printable set, as SnakeYAML's reader defines it. */
  private static boolean printable(int c) {
    return (c >= 0x20 && c <= 0x7E) || c == 0x9 || c == 0xA || c == 0xD || c == 0x85
        || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
  }

  private static String hex(int value, int digits) {
    String h = Integer.toHexString(value);
    return "0".repeat(Math.max(0, digits - h.length())) + h;
  }
}
