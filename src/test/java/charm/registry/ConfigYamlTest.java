package charm.registry;

import static charm.registry.CharmConfig.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.ConfigYaml.Extras;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Golden config.yml files. Regenerate after an intended change with
 * {@code mvn test -Dtest=ConfigYamlTest -Dgolden.update=true} and review the diff; every golden
 * file is served by the real registry in the registry:2 image in mvn verify (GoldenConfigIT).
 */
class ConfigYamlTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden");
  private static final Extras SECRET = new Extras("golden-http-secret", null, null);

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("defaults", with(), SECRET),
        Arguments.of("metrics-host-debug", with("prometheus-metrics", true,
            "http-host", "https://registry.example.com:5000/", "log-level", "debug"), SECRET),
        Arguments.of("proxy-cache", with("cache-remoteurl", "https://registry-1.docker.io",
            "cache-username", "hubuser", "cache-password", "hub-password"), SECRET),
        Arguments.of("swift", with("storage-swift-authurl", "http://swift.example:18080/auth/v1.0",
            "storage-swift-username", "test:tester", "storage-swift-password", "testing",
            "storage-swift-container", "registry", "storage-swift-region", "RegionOne",
            "storage-swift-tenant", "test", "storage-swift-domain", "Default",
            "storage-redirect-disable", false), SECRET),
        Arguments.of("s3-full", with("storage-s3-region", "us-east-1",
            "storage-s3-bucket", "registry", "storage-s3-accesskey", "s3tkey",
            "storage-s3-secretkey", "s3tsecret",
            "storage-s3-regionendpoint", "http://s3.example:15095",
            "storage-s3-keyid", "kms-key-1", "storage-s3-rootdirectory", "/registry",
            "storage-s3-useragent", "juju-docker-registry", "storage-s3-encrypt", true,
            "storage-s3-secure", false, "storage-s3-skip-verify", true,
            "storage-s3-chunksize", 5242880, "storage-s3-multipartcopychunksize", 6291456L,
            "storage-s3-multipartcopymaxconcurrency", 8,
            "storage-s3-multipartcopythresholdsize", 0, "storage-s3-storageclass", "NONE",
            "storage-s3-objectacl", "bucket-owner-full-control",
            "storage-s3-loglevel", "debug", "storage-s3-forcepathstyle", true), SECRET),
        Arguments.of("redis-cache", with("storage-cache", "redis",
            "storage-cache-redis-address", "redis.example:16379",
            "storage-cache-redis-password", "0o17", "storage-cache-redis-db", 2), SECRET),
        Arguments.of("readonly-delete-nocache", with("storage-read-only", true,
            "storage-delete", true, "storage-cache", "disabled"), Extras.NONE),
        // Values the old charm ran and the registry accepts: an upper-case level (written lower
        // case), a scheme-less endpoint (the driver adds http:// as secure is false) and the
        // options registry 2.8 does not read (not written at all).
        Arguments.of("log-level-upper-case", with("log-level", "WARN"), SECRET),
        Arguments.of("s3-schemeless-endpoint", with("storage-s3-region", "garage",
            "storage-s3-bucket", "registry", "storage-s3-regionendpoint", "s3.example:15095",
            "storage-s3-secure", false, "storage-s3-loglevel", "verbose",
            "storage-s3-usedualstack", true, "storage-s3-accelerate", true,
            "storage-s3-forcepathstyle", true), SECRET));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesGolden(String name, Map<String, Object> raw, Extras extras) throws IOException {
    RegistryConfig cfg = RegistryConfig.from(raw);
    assertEquals(java.util.List.of(), cfg.problems());
    String text = ConfigYaml.render(cfg, extras);
    Path golden = GOLDEN.resolve(name + ".yml");
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, text, StandardCharsets.UTF_8);
    }
    assertEquals(Files.readString(golden, StandardCharsets.UTF_8), text, golden.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void deterministic(String name, Map<String, Object> raw, Extras extras) {
    RegistryConfig cfg = RegistryConfig.from(raw);
    String first = ConfigYaml.render(cfg, extras);
    assertEquals(first, ConfigYaml.render(RegistryConfig.from(new LinkedHashMap<>(raw)), extras));
    assertTrue(first.startsWith("# Managed by the docker-registry charm"));
  }

  @Test
  void extrasGoWhereTheRegistryExpectsThem() {
    Map<String, Object> tls = new LinkedHashMap<>();
    tls.put("certificate", "/etc/docker/registry/registry.crt");
    tls.put("key", "/etc/docker/registry/registry.key");
    Map<String, Object> htpasswd = new LinkedHashMap<>();
    htpasswd.put("realm", "Registry");
    htpasswd.put("path", "/auth/htpasswd");
    Map<String, Object> auth = Map.of("htpasswd", htpasswd);
    String text = ConfigYaml.render(RegistryConfig.from(with()), new Extras("s", tls, auth));
    Map<String, Object> doc = new Yaml().load(text);
    assertEquals(auth, doc.get("auth"));
    assertEquals(tls, ((Map<?, ?>) doc.get("http")).get("tls"));
    assertEquals("s", ((Map<?, ?>) doc.get("http")).get("secret"));
  }

  @Test
  void secretsThatLookLikeOtherTypesStayStrings() {
    RegistryConfig cfg = RegistryConfig.from(with("cache-remoteurl", "https://r.example",
        "cache-username", "true", "cache-password", "0123"));
    Map<String, Object> doc = new Yaml().load(ConfigYaml.render(cfg, new Extras("1e3", null, null)));
    Map<?, ?> proxy = (Map<?, ?>) doc.get("proxy");
    assertEquals("true", proxy.get("username"));
    assertEquals("0123", proxy.get("password"));
    assertEquals("1e3", ((Map<?, ?>) doc.get("http")).get("secret"));
  }

  @Test
  void invalidConfigIsNeverRendered() {
    RegistryConfig cfg = RegistryConfig.from(with("storage-s3-objectacl", "log-delivery-write"));
    assertThrows(IllegalArgumentException.class, () -> ConfigYaml.render(cfg, Extras.NONE));
  }

  @Test
  void s3SignsWithV4EvenWithTheSkipV4AuthDefault() {
    RegistryConfig cfg = RegistryConfig.from(with("storage-s3-region", "us-east-1",
        "storage-s3-bucket", "b", "storage-s3-skip-v4-auth", true));
    Map<String, Object> doc = new Yaml().load(ConfigYaml.render(cfg, Extras.NONE));
    Map<?, ?> s3 = (Map<?, ?>) ((Map<?, ?>) doc.get("storage")).get("s3");
    assertEquals(true, s3.get("v4auth"));
    assertEquals(false, s3.get("skipverify"));
    assertEquals("private", s3.get("objectacl"));
  }
}
