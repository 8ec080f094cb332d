package charm.tls;

import java.util.List;

/**
 * JSON text exactly as Python's {@code json.dumps} writes it with default arguments: ", " and
 * ": " separators, non-ASCII as lower-case {@code \\uXXXX} escapes (surrogate pairs for
 * characters beyond the BMP), '/' not escaped. Juju stores relation values as text, so the
 * charm's bytes should equal what the Python charms it replaces wrote.
 */
public final class PyJson {
  private PyJson() {}

  /** One string as Python's json.dumps writes it. */
  public static String string(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  static String stringList(List<String> items) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(string(items.get(i)));
    }
    return sb.append(']').toString();
  }
}
