package jujusim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The formatter and flag parser in isolation (the tool tests cover them end to end). */
class FmtAndFlagsTest {

  @Test
  void jsonIsGoLike() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("z", 1);
    m.put("a", List.of(1.0, 2.5, "<&>"));
    m.put("m", null);
    assertEquals("{\"a\":[1,2.5,\"\\u003c\\u0026\\u003e\"],\"m\":null,\"z\":1}\n", Fmt.format("json", m));
    assertEquals("{\"z\":1,\"a\":2}", Fmt.json(new Fmt.Struct().with("z", 1).with("a", 2)));
    assertEquals("null\n", Fmt.format("json", null));
  }

  @Test
  void smartAndYaml() {
    assertEquals("", Fmt.format("smart", null));
    assertEquals("", Fmt.format("smart", ""));
    assertEquals("", Fmt.format("smart", List.of()));
    assertEquals("a\nb\n", Fmt.format("smart", List.of("a", "b")));
    assertEquals("True\n", Fmt.format("smart", true));
    assertEquals("8080\n", Fmt.format("smart", 8080L));
    assertEquals("{}\n", Fmt.format("smart", Map.of()));
    assertEquals("a: '1'\nb: x\n", Fmt.format("yaml", Map.of("b", "x", "a", "1")));
    assertEquals("", Fmt.format("yaml", null));
  }

  @Test
  void gnuflagStyle() throws Exception {
    Flags f = new Flags().str("r", "relation").bool("app").str("format").parse(List.of("pew", "-r3", "--app=False", "--format", "json", "--", "-x"));
    assertEquals("3", f.get("relation"));
    assertEquals("-r", f.typed("relation"));
    assertEquals("false", f.get("app"));
    assertEquals("json", f.get("format"));
    assertEquals(List.of("pew", "-x"), f.positionals);
    assertTrue(new Flags().bool("a", "all").parse(List.of("-ah")).help);
    Tools.UsageException e =
        assertThrows(Tools.UsageException.class, () -> new Flags().str("format").parse(List.of("-format", "json")));
    assertEquals("option provided but not defined: -f", e.getMessage());
    e = assertThrows(Tools.UsageException.class, () -> new Flags().str("r", "relation").parse(List.of("-r")));
    assertEquals("option needs an argument: -r", e.getMessage());
  }
}
