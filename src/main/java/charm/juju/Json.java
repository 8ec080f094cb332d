package charm.juju;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON to and from plain Java values (LinkedHashMap, ArrayList, String, Integer/Long/Double,
 * Boolean, null) with Jackson's streaming API. {@link #parseExact} reads numbers as {@link
 * NumberText} instead, so a file the charm edits keeps every number as written. Every hook parses tool output; jackson-databind's
 * ObjectMapper costs about 100 ms of start-up per process, the streaming parser a fraction.
 */
public final class Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  private Json() {}

  /** Thrown for text that is not one JSON value; the message gives a position, never content. */
  public static final class ParseException extends RuntimeException {
    ParseException(String message) {
      super(message);
    }
  }

  /**
   * A JSON number as its source text ({@code 1.50}, {@code 1E+3}, a 30-digit integer), written back
   * verbatim. Its numeric values come from {@link BigDecimal} and may round.
   */
  public static final class NumberText extends Number {
    private final String text;

    private NumberText(String text) {
      this.text = text;
    }

    private BigDecimal decimal() {
      return new BigDecimal(text);
    }

    @Override
    public int intValue() {
      return decimal().intValue();
    }

    @Override
    public long longValue() {
      return decimal().longValue();
    }

    @Override
    public float floatValue() {
      return decimal().floatValue();
    }

    @Override
    public double doubleValue() {
      return decimal().doubleValue();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof NumberText other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
      return text.hashCode();
    }

    /** The number exactly as it was written. */
    @Override
    public String toString() {
      return text;
    }
  }

  /** Parses exactly one JSON value (empty input reads as null). */
  public static Object parse(byte[] json) {
    return parse(json, false);
  }

  /**
   * Like {@link #parse}, but every number is a {@link NumberText}, so that {@link #write} gives
   * back each number exactly as it was read (no {@code 1.0E29} for a 30-digit integer, no {@code
   * 1.5} for {@code 1.50}).
   */
  public static Object parseExact(byte[] json) {
    return parse(json, true);
  }

  private static Object parse(byte[] json, boolean exactNumbers) {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return null;
      }
      Object value = value(p, first, exactNumbers);
      if (p.nextToken() != null) {
        throw new ParseException("trailing data after the JSON value" + at(p.currentLocation()));
      }
      return value;
    } catch (JsonParseException e) {
      // Not chained: Jackson's message quotes the offending text, which may be secret.
      throw new ParseException("not JSON" + at(e.getLocation()));
    } catch (StreamConstraintsException e) {
      // A number longer than 1000 digits, nesting deeper than 1000 levels, ...
      throw new ParseException("JSON beyond the parser's limits" + at(e.getLocation()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object value(JsonParser p, JsonToken token, boolean exactNumbers) throws IOException {
    switch (token) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          String key = p.currentName();
          map.put(key, value(p, p.nextToken(), exactNumbers));
        }
        return map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          list.add(value(p, t, exactNumbers));
        }
        return list;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        return exactNumbers ? new NumberText(p.getText()) : p.getNumberValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return exactNumbers ? new NumberText(p.getText()) : p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new ParseException("unexpected " + token + at(p.currentLocation()));
    }
  }

  private static String at(JsonLocation location) {
    return location == null ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  /** Compact JSON of plain values, map keys in the map's own order. */
  public static byte[] write(Object value) {
    return write(value, false);
  }

  /**
   * A flat JSON object of strings that Juju's YAML 1.1 reader (go-yaml, which reads {@code
   * relation-set}/{@code state-set --file}) reads back unchanged, not only a JSON reader:
   *
   * <ul>
   *   <li>characters outside the BMP are written as UTF-8, never as a surrogate-pair escape
   *       (<code>&#92;uD83D&#92;uDE00</code>), which go-yaml refuses (a lone surrogate, which no UTF-8 text can
   *       hold, is written as U+FFFD);
   *   <li>every character YAML does not take raw is escaped as <code>&#92;u00XX</code>: C0 controls
   *       ({@code \n}, {@code \r}, {@code \t} kept short), DEL and the C1 controls (go-yaml refuses
   *       them raw, and folds a raw NEL, U+0085, to a space), U+2028/U+2029 (line breaks to YAML
   *       1.1, which strips the spaces around them), U+FEFF, U+FFFE and U+FFFF.
   * </ul>
   *
   * Every such escape is valid in both JSON strings and YAML double-quoted scalars.
   */
  public static byte[] writeForYaml(Map<String, String> object) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, String> e : object.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      quoteForYaml(sb, e.getKey());
      sb.append(':');
      quoteForYaml(sb, e.getValue() == null ? "" : e.getValue());
    }
    return sb.append('}').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void quoteForYaml(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i)); // one code point, encoded as 4 bytes of UTF-8
      } else if (Character.isSurrogate(c)) {
        sb.append('\uFFFD');
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0xFEFF || c >= 0xFFFE) {
        sb.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }

  /** Indented JSON of plain values, for files people read. */
  public static byte[] writePretty(Object value) {
    return write(value, true);
  }

  private static byte[] write(Object value, boolean pretty) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.setPrettyPrinter(new DefaultPrettyPrinter());
      }
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> list) {
      g.writeStartArray();
      for (Object item : list) {
        write(g, item);
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof NumberText n) {
      g.writeNumber(n.toString());
    } else if (value instanceof Integer || value instanceof Long) {
      g.writeNumber(((Number) value).longValue());
    } else if (value instanceof Number n) {
      g.writeNumber(n.doubleValue());
    } else if (value == null) {
      g.writeNull();
    } else {
      throw new IllegalArgumentException("not a plain JSON value: " + value.getClass().getSimpleName());
    }
  }

  /** The JSON type of a plain value, for messages that must not quote content. */
  public static String typeName(Object value) {
    if (value instanceof Map) {
      return "object";
    }
    if (value instanceof List) {
      return "array";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Number) {
      return "number";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    return "null";
  }
}
