package jujusim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.yaml.snakeyaml.Yaml;

/** A charm's files as Juju reads them: metadata.yaml, config.yaml, actions.yaml (spec §7). */
final class Charm {
  final Path source;
  final String name;
  /** endpoint → {role, interface}. */
  final Map<String, String[]> endpoints = new LinkedHashMap<>();
  final List<String> extraBindings;
  final Set<String> resources;
  /** option → {type, default}; default may be null. */
  final Map<String, Object[]> options = new LinkedHashMap<>();
  /** action → spec map. */
  final Map<String, Map<String, Object>> actions = new LinkedHashMap<>();

  @SuppressWarnings("unchecked")
  Charm(Path source) {
    this.source = source;
    if (!Files.exists(source)) {
      throw new SimException("charm not found: " + source);
    }
    String metaText = read("metadata.yaml");
    if (metaText == null) {
      throw new SimException("charm missing metadata.yaml: " + source);
    }
    Map<String, Object> meta = asMap(new Yaml().load(metaText), "metadata.yaml");
    Object n = meta.get("name");
    if (!(n instanceof String) || ((String) n).isEmpty()) {
      throw new SimException("metadata.yaml: missing name");
    }
    name = (String) n;
    for (String role : List.of("provides", "requires", "peers")) {
      Map<String, Object> eps = asMap(meta.get(role), "metadata.yaml " + role);
      eps.forEach(
          (ep, spec) -> {
            Object iface = spec instanceof Map<?, ?> m ? m.get("interface") : spec;
            endpoints.put(ep, new String[] {role, String.valueOf(iface)});
          });
    }
    extraBindings = List.copyOf(asMap(meta.get("extra-bindings"), "extra-bindings").keySet());
    resources = Set.copyOf(asMap(meta.get("resources"), "resources").keySet());
    String configText = read("config.yaml");
    if (configText != null) {
      Map<String, Object> cfg = asMap(new Yaml().load(configText), "config.yaml");
      asMap(cfg.get("options"), "config.yaml options")
          .forEach(
              (opt, spec) -> {
                Map<String, Object> s = asMap(spec, "config.yaml option " + opt);
                String type = s.get("type") == null ? "string" : String.valueOf(s.get("type"));
                if (!List.of("string", "int", "float", "boolean", "secret").contains(type)) {
                  throw new SimException(
                      "config.yaml: option \"" + opt + "\" has unknown type \"" + type + "\"");
                }
                Object def = s.get("default");
                if (def != null) {
                  def = Config.coerce(opt, type, def);
                }
                options.put(opt, new Object[] {type, def});
              });
    }
    String actionsText = read("actions.yaml");
    if (actionsText != null) {
      asMap(new Yaml().load(actionsText), "actions.yaml")
          .forEach((a, spec) -> actions.put(a, asMap(spec, "actions.yaml " + a)));
    }
  }

  boolean hasEndpoint(String ep) {
    return endpoints.containsKey(ep);
  }

  List<String> peerEndpoints() {
    return endpoints.entrySet().stream()
        .filter(e -> e.getValue()[0].equals("peers"))
        .map(Map.Entry::getKey)
        .toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> asMap(Object o, String what) {
    if (o == null) {
      return Collections.emptyMap();
    }
    if (!(o instanceof Map)) {
      throw new SimException(what + ": expected a mapping");
    }
    return (Map<String, Object>) o;
  }

  private String read(String file) {
    try {
      if (Files.isDirectory(source)) {
        Path p = source.resolve(file);
        return Files.exists(p) ? Files.readString(p) : null;
      }
      try (ZipFile zip = ZipFile.builder().setPath(source).get()) {
        ZipArchiveEntry e = zip.getEntry(file);
        if (e == null) {
          return null;
        }
        try (InputStream in = zip.getInputStream(e)) {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    } catch (IOException e) {
      throw new SimException("cannot read charm " + source + ": " + e.getMessage(), e);
    }
  }

  /** The unit's charm dir: the charm directory itself, or the zip unpacked under {@code dest}. */
  Path materialize(Path dest) {
    if (Files.isDirectory(source)) {
      return source.toAbsolutePath();
    }
    try {
      if (Files.exists(dest)) {
        return dest;
      }
      Files.createDirectories(dest);
      try (ZipFile zip = ZipFile.builder().setPath(source).get()) {
        for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
          Path out = dest.resolve(e.getName()).normalize();
          if (!out.startsWith(dest)) {
            throw new SimException("bad entry in charm zip: " + e.getName());
          }
          if (e.isDirectory()) {
            Files.createDirectories(out);
            continue;
          }
          Files.createDirectories(out.getParent());
          try (InputStream in = zip.getInputStream(e)) {
            Files.copy(in, out);
          }
          int mode = e.getUnixMode() & 0777;
          Files.setPosixFilePermissions(out, perms(mode == 0 ? 0644 : mode));
        }
      }
      return dest;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Set<PosixFilePermission> perms(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << i)) != 0) {
        s.add(all[i]);
      }
    }
    return s;
  }
}
