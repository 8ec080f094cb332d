package jujusim;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What Juju's YAML reader (gopkg.in/yaml.v2, YAML 1.1) refuses in {@code relation-set}/{@code
 * state-set --file} input that SnakeYAML lets through: characters outside YAML's printable set
 * raw in the text (DEL, C1 controls but NEL, U+FFFE/U+FFFF), and {@code \\u}/{@code \\U}/{@code
 * \\x} escapes in double-quoted scalars that name a surrogate (JSON's {@code \\uD83D\\uDE00}) or a
 * value past U+10FFFF. Messages are go-yaml's (its reader and scanner errors carry no line for
 * one-line input; the simulator never adds one).
 */
public final class GoYaml {
  private GoYaml() {}

  static final String CONTROL = "control characters are not allowed";
  static final String BAD_ESCAPE = "found invalid Unicode character escape code";

  /** go-yaml's error for this input, or null when its reader and scanner take it. */
  public static String problem(byte[] data) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data))
          .toString();
    } catch (CharacterCodingException e) {
      return "invalid leading UTF-8 octet";
    }
    int start = text.startsWith("\uFEFF") ? 1 : 0;
    for (int i = start; i < text.length(); ) {
      int c = text.codePointAt(i);
      if (!printable(c)) {
        return CONTROL;
      }
      i += Character.charCount(c);
    }
    return escapes(text, start);
  }

  /** The YAML 1.1 printable set, as go-yaml's reader checks it. */
  static boolean printable(int c) {
    return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85
        || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
  }

  /** Checks the escapes of every double-quoted scalar (a quote that starts a scalar). */
  private static String escapes(String s, int start) {
    char prev = '\n'; // the last significant character outside scalars
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '#' && (i == start || Character.isWhitespace(s.charAt(i - 1)))) {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
        prev = '\n';
      } else if ((c == '"' || c == '\'') && "\n{[,:?-".indexOf(prev) >= 0) {
        int end = c == '"' ? doubleQuoted(s, i + 1) : singleQuoted(s, i + 1);
        if (end < 0) {
          return BAD_ESCAPE;
        }
        i = end;
        prev = 'x';
      } else if (c != ' ' && c != '\t' && c != '\r') {
        prev = c;
      }
    }
    return null;
  }

  /** The index of the closing quote (or the end), or -1 for an escape go-yaml refuses. */
  private static int doubleQuoted(String s, int i) {
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        return i;
      }
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (digits > 0) {
          long value = 0;
          for (int k = 1; k <= digits && i + k < s.length(); k++) {
            int d = Character.digit(s.charAt(i + k), 16);
            value = value * 16 + Math.max(d, 0);
          }
          if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
            return -1;
          }
          i += digits;
        }
      }
    }
    return s.length();
  }

  private static int singleQuoted(String s, int i) {
    for (; i < s.length(); i++) {
      if (s.charAt(i) == '\'') {
        if (i + 1 < s.length() && s.charAt(i + 1) == '\'') {
          i++;
        } else {
          return i;
        }
      }
    }
    return s.length();
  }
}
