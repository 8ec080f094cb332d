package charm.juju;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  private static Object parse(String s) {
    return Json.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parsesToPlainValuesKeepingOrder() {
    Object v = parse("{\"b\":1,\"a\":[\"x\",true,null,2.5,12345678901],\"c\":{}}");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("b", 1);
    expected.put("a", Arrays.asList("x", true, null, 2.5, 12345678901L));
    expected.put("c", Map.of());
    assertEquals(expected, v);
    assertEquals(List.of("b", "a", "c"), List.copyOf(((Map<?, ?>) v).keySet()));
    assertNull(parse(""));
    assertNull(parse("null\n"));
  }

  @Test
  void writesCompactAndPretty() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("k", "v\"\n");
    m.put("n", List.of(1, 2L, false));
    assertEquals("{\"k\":\"v\\\"\\n\",\"n\":[1,2,false]}", new String(Json.write(m), StandardCharsets.UTF_8));
    Map<String, Object> back = new LinkedHashMap<>(m);
    back.put("n", List.of(1, 2, false)); // small integers read back as Integer
    assertEquals(back, Json.parse(Json.writePretty(m)));
  }

  @Test
  void exactParsingWritesEveryNumberBackAsItWasWritten() {
    String numbers = "[100000000000000000000000000000,1.50,-0,1E+3,1e400,-0.0e-7,7,12345678901]";
    Object exact = Json.parseExact(numbers.getBytes(StandardCharsets.UTF_8));
    assertEquals(numbers, new String(Json.write(exact), StandardCharsets.UTF_8));
    assertEquals("{\"n\":1.50}", new String(Json.write(Json.parseExact("{\"n\": 1.50}".getBytes(StandardCharsets.UTF_8))), StandardCharsets.UTF_8));

    Number big = (Number) ((List<?>) exact).get(0);
    assertEquals("number", Json.typeName(big));
    assertEquals(1e29, big.doubleValue());
    assertEquals(1.5, ((Number) ((List<?>) exact).get(1)).doubleValue());
    assertEquals(7, ((Number) ((List<?>) exact).get(6)).intValue());
    assertEquals(Json.parseExact("[1.50]".getBytes(StandardCharsets.UTF_8)), Json.parseExact("[1.50]".getBytes(StandardCharsets.UTF_8)));

    // The default mode is unchanged (plain Integer/Long/BigInteger/Double), hence lossy on rewrite.
    assertEquals(Arrays.asList(7, 12345678901L, 1.5), parse("[7,12345678901,1.50]"));
    assertEquals("[1.0E29,1.5]", new String(Json.write(parse("[100000000000000000000000000000,1.50]")), StandardCharsets.UTF_8));
  }

  @Test
  void errorsGiveAPositionButNeverTheContent() {
    Json.ParseException bad = assertThrows(Json.ParseException.class, () -> parse("{\"password\":hunter2}"));
    assertFalse(bad.getMessage().contains("hunter2"), bad.getMessage());
    Json.ParseException trailing = assertThrows(Json.ParseException.class, () -> parse("{} s3cret"));
    assertFalse(trailing.getMessage().contains("s3cret"), trailing.getMessage());
  }

  @Test
  void textBeyondTheParsersLimitsIsAParseException() {
    String longNumber = "{\"n\":" + "9".repeat(1200) + "}";
    String deep = "[".repeat(1200) + "]".repeat(1200);
    for (String text : List.of(longNumber, deep)) {
      assertThrows(Json.ParseException.class, () -> parse(text));
      assertThrows(Json.ParseException.class, () -> Json.parseExact(text.getBytes(StandardCharsets.UTF_8)));
    }
    assertFalse(assertThrows(Json.ParseException.class, () -> parse(longNumber)).getMessage().contains("999"));
  }
}
