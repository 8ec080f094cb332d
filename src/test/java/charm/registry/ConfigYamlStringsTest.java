package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.ConfigYaml.Extras;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every string option that reaches config.yml unchanged must be read back by the registry as the
 * very same string. {@link GoYamlV2} stands in for the registry's YAML reader (at least as eager
 * to read a plain scalar as a number, boolean, null, timestamp or structure).
 */
class ConfigYamlStringsTest {

  /** Strings that a YAML 1.1 or go-yaml v2 reader would take for something else if plain. */
  static final List<String> TRICKY = List.of(
      // numbers, go-yaml v2 style (Go base prefixes, '_' dropped, exponent without a dot)
      "0o17", "0O17", "017", "0x1F", "0X1f", "0b101", "0B1", "-0b1", "0_x1F", "1_000", "1__0",
      "1e3", "1E3", "-1e-3", "+1", "-1", "+0", "1.5", "1.", ".5", "+.5", "190:20:30", "12:30",
      ".inf", ".Inf", "-.inf", "+.INF", ".nan", ".NaN",
      // booleans, null
      "y", "Y", "n", "N", "yes", "Yes", "NO", "on", "On", "ON", "off", "Off", "true", "False",
      "null", "Null", "NULL", "~",
      // timestamps, merge key, value key
      "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "<<", "=",
      // whitespace
      "", " ", " a", "a ", "\ta", "a\n", "a\nb", "a  #b",
      // indicators and structure
      "- x", "-", "--- x", "...", "? x", "?", ": x", ":", "a: b", "a:", "#x", "a #b", "*a", "&a",
      "!x", "!!str", "!!int 1", "@x", "`x", "%x", "|", ">", "|-\n x", "{", "}", "[", "]",
      "{a: 1}", "[1, 2]", ",", "a,b", "'", "\"", "'a'", "\"a\"", "'a", "\\", "\\n", "a\\b",
      // other characters
      "\u00e9t\u00e9", "\u20ac", "a\u0085b", "a\u2028b", "a\u0007b", "\ufeffa");

  /** Tricky strings that are also acceptable http(s) URLs for the URL options. */
  static final List<String> TRICKY_URLS = List.of(
      "http://10.0.0.1:9000", "https://y/", "http://n:1/", "https://On/", "http://h/0o17/",
      "http://h/a:b/", "http://h/a:/", "http://h/%20x/", "http://h/'a'/", "http://h/~/",
      "http://h/*a/", "http://h/&a/", "http://h/!x/", "http://h/@x/", "http://h/-/",
      "http://[fd00::1]:5000/", "HTTP://H.example/");

  private static final Map<String, Object> S3 = Map.of("storage-s3-region", "us-east-1",
      "storage-s3-bucket", "b", "storage-s3-regionendpoint", "http://10.0.0.1:9000");
  private static final Map<String, Object> SWIFT = Map.of(
      "storage-swift-authurl", "http://10.0.0.1:8080/auth/v1.0", "storage-swift-username", "u",
      "storage-swift-password", "p", "storage-swift-container", "c");
  private static final Map<String, Object> REDIS = Map.of("storage-cache", "redis",
      "storage-cache-redis-address", "10.0.0.1:6379");
  private static final Map<String, Object> CACHE = Map.of(
      "cache-remoteurl", "https://registry-1.docker.io", "cache-username", "u",
      "cache-password", "p");

  /** option, where its value lands in config.yml, the options it needs, the values to try. */
  static Stream<Arguments> options() {
    List<String> noWhitespace = TRICKY.stream().filter(s -> !s.matches("(?s).*\\s.*")).toList();
    return Stream.of(
        option("storage-s3-bucket", "storage.s3.bucket", S3, TRICKY),
        option("storage-s3-region", "storage.s3.region", S3, noWhitespace), // validated
        option("storage-s3-regionendpoint", "storage.s3.regionendpoint", S3, TRICKY_URLS),
        option("storage-s3-rootdirectory", "storage.s3.rootdirectory", S3, TRICKY),
        option("storage-s3-accesskey", "storage.s3.accesskey", S3, TRICKY),
        option("storage-s3-secretkey", "storage.s3.secretkey", S3, TRICKY),
        option("storage-s3-keyid", "storage.s3.keyid", S3, TRICKY),
        option("storage-s3-useragent", "storage.s3.useragent", S3, TRICKY),
        option("storage-swift-authurl", "storage.swift.authurl", SWIFT, TRICKY_URLS), // validated
        option("storage-swift-username", "storage.swift.username", SWIFT, TRICKY),
        option("storage-swift-password", "storage.swift.password", SWIFT, TRICKY),
        option("storage-swift-container", "storage.swift.container", SWIFT, TRICKY),
        option("storage-swift-region", "storage.swift.region", SWIFT, TRICKY),
        option("storage-swift-tenant", "storage.swift.tenant", SWIFT, TRICKY),
        option("storage-swift-domain", "storage.swift.domain", SWIFT, TRICKY),
        option("cache-remoteurl", "proxy.remoteurl", CACHE, TRICKY_URLS),
        option("cache-username", "proxy.username", CACHE, TRICKY),
        option("cache-password", "proxy.password", CACHE, TRICKY),
        option("storage-cache-redis-password", "redis.password", REDIS,
            TRICKY.stream().filter(s -> !s.matches("(?s).*\\p{Cntrl}.*")).toList()), // validated
        option("http-host", "http.host", Map.of(), TRICKY_URLS));
  }

  private static Arguments option(String name, String path, Map<String, Object> needs,
      List<String> values) {
    return Arguments.of(name, path, needs, values);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("options")
  void everyStringOptionReadsBackAsTheSameString(String option, String path,
      Map<String, Object> needs, List<String> values) {
    List<String> misread = new ArrayList<>();
    for (String value : values) {
      if (value.isEmpty()) {
        continue; // "" means "not set": the key is not written at all
      }
      Map<String, Object> raw = new LinkedHashMap<>(needs);
      raw.put(option, value);
      RegistryConfig cfg = RegistryConfig.from(CharmConfig.with(raw));
      assertEquals(List.of(), cfg.problems(), option + " = " + show(value));
      check(ConfigYaml.render(cfg, Extras.NONE), path, value, misread);
    }
    assertEquals(List.of(), misread, option + ": values the registry would read differently");
  }

  @Test
  void theSharedHttpSecretReadsBackAsTheSameString() {
    RegistryConfig cfg = RegistryConfig.from(CharmConfig.defaults());
    List<String> misread = new ArrayList<>();
    for (String value : TRICKY) {
      check(ConfigYaml.render(cfg, new Extras(value, null, null)), "http.secret", value, misread);
    }
    assertEquals(List.of(), misread, "http.secret: values the registry would read differently");
  }

  @Test
  void booleansAndNumbersStayPlain() {
    RegistryConfig cfg = RegistryConfig.from(CharmConfig.with(S3));
    String text = ConfigYaml.render(cfg, Extras.NONE);
    for (String line : List.of("version: 0.1", "    enabled: true", "    threshold: 3",
        "    secure: true", "    chunksize: 10485760", "    bucket: \"b\"")) {
      assertTrue(text.contains("\n" + line + "\n"), line);
    }
    Map<?, ?> s3 = (Map<?, ?>) at(GoYamlV2.load(text), "storage.s3");
    assertEquals(true, s3.get("secure"));
    assertEquals(new GoYamlV2.GoNumber("10485760"), s3.get("chunksize"));
    assertEquals(new GoYamlV2.GoNumber("0.1"), ((Map<?, ?>) GoYamlV2.load(text)).get("version"));
  }

  /** The reader must be at least as eager as go-yaml v2, or the tests above prove nothing. */
  @Test
  void theReaderTakesWhatGoYamlV2TakesForNonStrings() {
    for (String plain : List.of("0o17", "0x1F", "017", "0b1", "0_x1F", "1_000", "1e3", "+1", ".5",
        ".inf", "y", "Y", "n", "N", "yes", "On", "off", "~", "null", "12:30")) {
      Object read = ((Map<?, ?>) GoYamlV2.load("v: " + plain + "\n")).get("v");
      assertNotEquals(plain, read, plain);
    }
    assertEquals(new GoYamlV2.GoNumber("0o17"), ((Map<?, ?>) GoYamlV2.load("v: 0o17")).get("v"));
    assertEquals(false, ((Map<?, ?>) GoYamlV2.load("v: n")).get("v"));
    assertEquals("registry", ((Map<?, ?>) GoYamlV2.load("v: registry")).get("v"));
  }

  private static void check(String text, String path, String value, List<String> misread) {
    Object back;
    try {
      back = at(GoYamlV2.load(text), path);
    } catch (RuntimeException e) {
      misread.add(show(value) + " -> unreadable config.yml (" + e.getClass().getSimpleName() + ")");
      return;
    }
    if (!value.equals(back)) {
      misread.add(show(value) + " -> " + describe(back));
    }
  }

  private static String describe(Object read) {
    if (read instanceof String s) {
      return "string " + show(s);
    }
    if (read instanceof GoYamlV2.GoNumber) {
      return "number";
    }
    if (read instanceof Boolean || read instanceof Number || read == null) {
      return String.valueOf(read);
    }
    return read.getClass().getSimpleName();
  }

  private static Object at(Object doc, String path) {
    Object node = doc;
    for (String key : path.split("\\.")) {
      node = node instanceof Map<?, ?> m ? m.get(key) : null;
    }
    return node;
  }

  /** The value in Java string syntax, control characters escaped. */
  private static String show(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c < 0x20 || c == 0x85 || c == '"' || c == '\\' || c >= 0x2028 && c <= 0x2029
          || c == 0xfeff) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
