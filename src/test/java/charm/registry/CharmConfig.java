package charm.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** Test helper: the repository's config.yaml, and the map config-get would print for it. */
final class CharmConfig {
  static final Path CONFIG_YAML = Path.of("config.yaml");

  private CharmConfig() {}

  /** option name -> its declaration (type, default, description), in file order. */
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> options() {
    try (InputStream in = Files.newInputStream(CONFIG_YAML)) {
      Map<String, Object> doc = new Yaml().load(in);
      return (Map<String, Map<String, Object>>) doc.get("options");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What `config-get --format=json` gives with no user settings: options without default absent. */
  static Map<String, Object> defaults() {
    Map<String, Object> raw = new LinkedHashMap<>();
    options().forEach((name, decl) -> {
      if (decl.containsKey("default") && decl.get("default") != null) {
        raw.put(name, decl.get("default"));
      }
    });
    return raw;
  }

  /** Defaults with some options changed; a null value removes the key. */
  static Map<String, Object> with(Map<String, Object> overrides) {
    Map<String, Object> raw = defaults();
    overrides.forEach((k, v) -> {
      if (v == null) {
        raw.remove(k);
      } else {
        raw.put(k, v);
      }
    });
    return raw;
  }

  static Map<String, Object> with(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return with(m);
  }
}
