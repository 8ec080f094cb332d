package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * {@link BlockYaml} writes what SnakeYAML 2.4 wrote for config.yml before (block style, every
 * string double-quoted): same bytes for every character, lone surrogates included, and for every
 * shape of document. A difference would change the spec hash of every unit's container.
 */
class BlockYamlTest {

  @Test
  void everyCharacterIsEscapedAsSnakeYamlDoes() {
    List<Object> batch = new ArrayList<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      batch.add("a" + new String(Character.toChars(cp)) + "b");
      batch.add(new String(Character.toChars(cp)));
      if (batch.size() >= 8192 || cp == Character.MAX_CODE_POINT) {
        assertSame(Map.of("values", batch));
        batch = new ArrayList<>();
      }
    }
  }

  @Test
  void loneAndMisplacedSurrogates() {
    assertSame(Map.of("v", List.of("\ud800", "\udc00", "a\ud83d", "\ud83da", "\ude00\ud83d", "\ud83d\ude00",
        "x\udbff\udfffy", "\ud800\ud800\udc00")));
  }

  @Test
  void randomStrings() {
    Random random = new Random(12);
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      char[] chars = new char[random.nextInt(12)];
      for (int j = 0; j < chars.length; j++) {
        int kind = random.nextInt(4);
        chars[j] = (char) (kind == 0 ? random.nextInt(0x80) : kind == 1 ? random.nextInt(0x100)
            : kind == 2 ? 0xD800 + random.nextInt(0x800) : random.nextInt(0x10000));
      }
      values.add(new String(chars));
    }
    assertSame(Map.of("values", values));
  }

  @Test
  void theTrickyStringsOfConfigYamlStringsTest() {
    assertSame(Map.of("values", new ArrayList<Object>(ConfigYamlStringsTest.TRICKY)));
  }

  @Test
  void shapes() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("version", 0.1);
    doc.put("negative", -3);
    doc.put("long", 6291456L);
    doc.put("flag", false);
    doc.put("empty-map", Map.of());
    doc.put("empty-map-in-list", List.of(Map.of()));
    doc.put("strings", List.of("nosniff", "", " x "));
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("addr", "localhost:6379");
    inner.put("db", 0);
    inner.put("pool", map("maxidle", 16, "maxactive", 64, "idletimeout", "300s"));
    inner.put("tls", map("enabled", false));
    doc.put("redis", inner);
    doc.put("endpoints", List.of(
        map("name", "a", "headers", map("Authorization", List.of("Bearer x")), "threshold", 5),
        map("name", "b", "ignore", map("mediatypes", List.of("x/y"), "one-empty-list", List.of())),
        "scalar"));
    doc.put("deep", map("a", map("b", map("c", map("d", List.of(map("e", map("f", 1))))))));
    assertSame(doc);
    assertSame(Map.of());
  }

  @Test
  void refusesWhatConfigYmlNeverHolds() {
    assertThrows(IllegalArgumentException.class, () -> BlockYaml.dump(map("k", null)));
    assertThrows(IllegalArgumentException.class, () -> BlockYaml.dump(map("k", 1.5f)));
    assertThrows(IllegalArgumentException.class, () -> BlockYaml.dump(map("k", Double.NaN)));
    assertThrows(IllegalArgumentException.class, () -> BlockYaml.dump(map("k", List.of(List.of(1)))));
    assertThrows(IllegalArgumentException.class, () -> BlockYaml.dump(map("a key", 1)));
    assertThrows(IllegalArgumentException.class, () -> BlockYaml.dump(map("0x", 1)));
    assertThrows(IllegalArgumentException.class, () -> BlockYaml.dump(Map.of(1, 1)));
  }

  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  /**
   * The same document from both (SnakeYAML writes a collection that appears twice once, with an
   * anchor, so a document here holds no empty list twice; config.yml never shares one).
   */
  private static void assertSame(Map<?, ?> doc) {
    String expected = snakeYaml(doc);
    String actual = BlockYaml.dump(doc);
    if (!expected.equals(actual)) {
      // Name the first differing line rather than print megabytes.
      String[] e = expected.split("\n", -1);
      String[] a = actual.split("\n", -1);
      for (int i = 0; i < Math.min(e.length, a.length); i++) {
        assertEquals(escape(e[i]), escape(a[i]), "line " + (i + 1));
      }
      assertEquals(e.length, a.length, "lines");
    }
  }

  private static String escape(String line) {
    StringBuilder out = new StringBuilder();
    line.codePoints().forEach(c -> out.append(c >= 0x20 && c < 0x7F ? Character.toString(c) : String.format("<%x>", c)));
    return out.toString() + " " + Arrays.toString(line.chars().toArray()).length();
  }

  // ---- the charm's former SnakeYAML set-up (ConfigYaml before BlockYaml) -------------------------

  private record Quoted(String text) {}

  private static Object quoteStrings(Object value) {
    if (value instanceof String s) {
      return new Quoted(s);
    }
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> quoted = new LinkedHashMap<>();
      m.forEach((k, v) -> quoted.put(k, quoteStrings(v)));
      return quoted;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(BlockYamlTest::quoteStrings).toList();
    }
    return value;
  }

  private static String snakeYaml(Map<?, ?> doc) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setWidth(4096);
    options.setSplitLines(false);
    options.setLineBreak(DumperOptions.LineBreak.UNIX);
    Representer representer = new Representer(options) {
      {
        representers.put(Quoted.class, data -> representScalar(
            Tag.STR, ((Quoted) data).text(), DumperOptions.ScalarStyle.DOUBLE_QUOTED));
      }
    };
    return new Yaml(representer, options).dump(quoteStrings(doc));
  }
}
