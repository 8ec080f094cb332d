package charm.registry;

import static charm.registry.CharmConfig.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.RegistryConfig.Problem;
import charm.registry.RegistryConfig.StorageBackend;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RegistryConfigTest {
  private static final String SWIFT_URL = "https://keystone.example:5000/v3";

  @Test
  void defaultsFromConfigYamlAreValid() {
    RegistryConfig cfg = RegistryConfig.from(CharmConfig.defaults());
    assertEquals(List.of(), cfg.problems());
    assertEquals("", cfg.statusMessage());
    assertEquals("registry:2", cfg.registryImage());
    assertEquals("registry", cfg.registryName());
    assertEquals(5000, cfg.registryPort());
    assertEquals(5001, cfg.debugPort());
    assertEquals(StorageBackend.FILESYSTEM, cfg.storageBackend());
    assertEquals(RegistryConfig.BlobCache.INMEMORY, cfg.blobCache());
    assertTrue(cfg.redisCache().isEmpty());
    assertTrue(cfg.storageRedirectDisable());
    assertTrue(cfg.httpProxy().isEmpty());
    assertTrue(cfg.pullThroughCache().isEmpty());
    assertEquals("/etc/docker/registry/registry.crt", cfg.tls().certPath());
    assertEquals("admin", cfg.auth().basicUser());
  }

  @Test
  void emptyAndNullMapsReadAsDefaults() {
    assertEquals(List.of(), RegistryConfig.from(Map.of()).problems());
    assertEquals(List.of(), RegistryConfig.from(null).problems());
    Map<String, Object> withNull = new HashMap<>(CharmConfig.defaults());
    withNull.put("log-level", null);
    assertEquals("info", RegistryConfig.from(withNull).logLevel());
  }

  /** name, overrides (key, value, ...), expected offending options in config.yaml order. */
  static Stream<Arguments> invalid() {
    return Stream.of(
        bad("cache bogus", m("storage-cache", "memcached"), "storage-cache"),
        bad("redis without address", m("storage-cache", "redis"), "storage-cache-redis-address"),
        bad("redis address without port", redis("storage-cache-redis-address", "10.0.0.7"),
            "storage-cache-redis-address"),
        bad("redis address port 0", redis("storage-cache-redis-address", "10.0.0.7:0"),
            "storage-cache-redis-address"),
        bad("redis address URL", redis("storage-cache-redis-address", "redis://10.0.0.7:6379"),
            "storage-cache-redis-address"),
        bad("redis address IPv6 without brackets", redis("storage-cache-redis-address",
            "fd00::7:6379"), "storage-cache-redis-address"),
        bad("redis on the container's loopback", redis("storage-cache-redis-address",
            "127.0.0.1:6379"), "storage-cache-redis-address"),
        bad("redis on localhost", redis("storage-cache-redis-address", "localhost:6379"),
            "storage-cache-redis-address"),
        bad("redis on ::1", redis("storage-cache-redis-address", "[::1]:6379"),
            "storage-cache-redis-address"),
        bad("redis db negative", redis("storage-cache-redis-db", -1), "storage-cache-redis-db"),
        bad("redis password with a newline", redis("storage-cache-redis-password", "a\nb"),
            "storage-cache-redis-password"),
        bad("redis password with metrics (shown on /debug/vars)", redis(
            "storage-cache-redis-password", "pw", "prometheus-metrics", true),
            "prometheus-metrics", "storage-cache-redis-password"),
        bad("swift authurl not a URL", m("storage-swift-authurl", "keystone:5000",
            "storage-swift-username", "u", "storage-swift-password", "p"), "storage-swift-authurl"),
        bad("swift authurl on loopback", m("storage-swift-authurl", "http://127.0.0.1:8080/auth/v1.0",
            "storage-swift-username", "u", "storage-swift-password", "p"), "storage-swift-authurl"),
        bad("swift authurl on localhost", m("storage-swift-authurl", "http://LocalHost.:5000/v3",
            "storage-swift-username", "u", "storage-swift-password", "p"), "storage-swift-authurl"),
        bad("s3 endpoint on loopback", s3("storage-s3-regionendpoint", "http://127.0.0.53:9000"),
            "storage-s3-regionendpoint"),
        bad("s3 scheme-less endpoint on loopback", s3("storage-s3-regionendpoint", "[::1]:9000"),
            "storage-s3-regionendpoint"),
        bad("s3 endpoint on the unspecified address", s3("storage-s3-regionendpoint", "0.0.0.0:9000"),
            "storage-s3-regionendpoint"),
        bad("cache upstream on loopback", m("cache-remoteurl", "http://127.0.0.1:5000"),
            "cache-remoteurl"),
        bad("cache upstream on a mapped loopback", m("cache-remoteurl", "http://[::ffff:127.0.0.1]:5000"),
            "cache-remoteurl"),
        bad("log-level bogus", m("log-level", "trace"), "log-level"),
        bad("log-level padded", m("log-level", " info"), "log-level"),
        bad("registry-port 0", m("registry-port", 0), "registry-port"),
        bad("registry-port 65536", m("registry-port", 65536), "registry-port"),
        bad("debug-port negative", m("debug-port", -1), "debug-port"),
        bad("ports equal", m("debug-port", 5000), "debug-port", "registry-port"),
        bad("http-host not url", m("http-host", "registry.example.com"), "http-host"),
        bad("http-host ftp", m("http-host", "ftp://registry.example.com"), "http-host"),
        bad("http-host no host", m("http-host", "https:///x/"), "http-host"),
        bad("http-host path without slash", m("http-host", "https://r.example/reg"), "http-host"),
        bad("http-host query", m("http-host", "https://r.example/?a=b"), "http-host"),
        bad("registry-name space", m("registry-name", "my registry"), "registry-name"),
        bad("registry-name leading dash", m("registry-name", "-reg"), "registry-name"),
        bad("registry-name empty", m("registry-name", ""), "registry-name"),
        bad("registry-image empty", m("registry-image", ""), "registry-image"),
        bad("registry-image uppercase", m("registry-image", "Registry:2"), "registry-image"),
        bad("registry-image bad tag", m("registry-image", "registry:"), "registry-image"),
        bad("registry-image bad digest", m("registry-image", "registry@sha256:xyz"),
            "registry-image"),
        bad("http proxy with a space", m("registry-http-proxy", "http://proxy :3128"),
            "registry-http-proxy"),
        bad("http proxy with a newline", m("registry-http-proxy", "proxy:3128\nX-Evil: 1"),
            "registry-http-proxy"),
        bad("http proxy with a tab", m("registry-http-proxy", "proxy:3128\t"),
            "registry-http-proxy"),
        bad("http proxy ftp scheme", m("registry-http-proxy", "ftp://proxy:21"),
            "registry-http-proxy"),
        bad("https proxy socks4 scheme", m("registry-https-proxy", "socks4://p:1080"),
            "registry-https-proxy"),
        bad("https proxy that Go reads as a hostless URL", m("registry-https-proxy", "socks5:1080"),
            "registry-https-proxy"),
        bad("https proxy without a host", m("registry-https-proxy", "http://:3128"),
            "registry-https-proxy"),
        bad("https proxy with a query", m("registry-https-proxy", "http://p:3128/?x=1"),
            "registry-https-proxy"),
        bad("cache-remoteurl not url", m("cache-remoteurl", "docker.io"), "cache-remoteurl"),
        bad("cache creds without url", m("cache-username", "u", "cache-password", "p"),
            "cache-remoteurl"),
        bad("cache password without user",
            m("cache-remoteurl", "https://registry-1.docker.io", "cache-password", "p"),
            "cache-username"),
        bad("cache user without password",
            m("cache-remoteurl", "https://registry-1.docker.io", "cache-username", "u"),
            "cache-password"),
        bad("swift authurl only", m("storage-swift-authurl", SWIFT_URL),
            "storage-swift-username", "storage-swift-password"),
        bad("swift no container", m("storage-swift-authurl", SWIFT_URL,
            "storage-swift-username", "u", "storage-swift-password", "p",
            "storage-swift-container", ""), "storage-swift-container"),
        bad("swift credentials without authurl", m("storage-swift-username", "u",
            "storage-swift-password", "p"), "storage-swift-authurl"),
        bad("swift tenant only", m("storage-swift-tenant", "t"),
            "storage-swift-authurl", "storage-swift-username", "storage-swift-password"),
        bad("s3 region only", m("storage-s3-region", "us-east-1"), "storage-s3-bucket"),
        bad("s3 bucket only", m("storage-s3-bucket", "b"), "storage-s3-region"),
        bad("s3 keys only", m("storage-s3-accesskey", "a", "storage-s3-secretkey", "s"),
            "storage-s3-region", "storage-s3-bucket"),
        bad("swift and s3", m("storage-swift-authurl", SWIFT_URL, "storage-swift-username", "u",
            "storage-swift-password", "p", "storage-s3-region", "us-east-1",
            "storage-s3-bucket", "b"),
            "storage-swift-authurl", "storage-s3-region", "storage-s3-bucket"),
        bad("s3 unknown aws region", s3("storage-s3-region", "mars-1"), "storage-s3-region"),
        bad("s3 region with space", s3("storage-s3-region", "us east",
            "storage-s3-regionendpoint", "http://minio:9000"), "storage-s3-region"),
        bad("s3 regionendpoint ftp", s3("storage-s3-regionendpoint", "ftp://minio:9000"),
            "storage-s3-regionendpoint"),
        bad("s3 regionendpoint with a space", s3("storage-s3-regionendpoint", "minio 9000"),
            "storage-s3-regionendpoint"),
        bad("s3 regionendpoint scheme-less with a path", s3("storage-s3-regionendpoint",
            "minio:9000/x"), "storage-s3-regionendpoint"),
        bad("s3 chunksize < 5MiB", m("storage-s3-chunksize", 5242879), "storage-s3-chunksize"),
        bad("s3 chunksize > 5GiB", m("storage-s3-chunksize", 5368709121L),
            "storage-s3-chunksize"),
        bad("s3 copy chunksize < 5MiB", m("storage-s3-multipartcopychunksize", 1048576),
            "storage-s3-multipartcopychunksize"),
        bad("s3 copy chunksize > 5GiB", m("storage-s3-multipartcopychunksize", 5368709121L),
            "storage-s3-multipartcopychunksize"),
        bad("s3 concurrency 0", m("storage-s3-multipartcopymaxconcurrency", 0),
            "storage-s3-multipartcopymaxconcurrency"),
        bad("s3 threshold negative", m("storage-s3-multipartcopythresholdsize", -1),
            "storage-s3-multipartcopythresholdsize"),
        bad("s3 threshold > 5GiB", m("storage-s3-multipartcopythresholdsize", 5368709121L),
            "storage-s3-multipartcopythresholdsize"),
        bad("s3 storageclass", m("storage-s3-storageclass", "GLACIER"),
            "storage-s3-storageclass"),
        bad("s3 objectacl", m("storage-s3-objectacl", "log-delivery-write"),
            "storage-s3-objectacl"),
        bad("string for int", m("registry-port", "5000"), "registry-port"),
        bad("double for int", m("storage-s3-chunksize", 1.5e7), "storage-s3-chunksize"),
        bad("string for boolean", m("storage-delete", "true"), "storage-delete"),
        bad("int for string", m("log-level", 3), "log-level"),
        bad("maintenance-schedule hourly", m("maintenance-schedule", "hourly"), "maintenance-schedule"),
        bad("maintenance-schedule unknown day", m("maintenance-schedule", "weekly funday 03:00"), "maintenance-schedule"),
        bad("maintenance-schedule hour 24", m("maintenance-schedule", "daily 24:00"), "maintenance-schedule"),
        bad("maintenance-schedule int", m("maintenance-schedule", 3), "maintenance-schedule"),
        bad("many, in config.yaml order", m("storage-cache", "x", "log-level", "x",
            "debug-port", 0), "debug-port", "log-level", "storage-cache"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void invalidValuesNameExactlyTheOffendingOptions(String name, Map<String, Object> overrides,
      List<String> expected) {
    RegistryConfig cfg = RegistryConfig.from(with(overrides));
    List<String> options = cfg.problems().stream().map(Problem::option).distinct().toList();
    assertEquals(expected, options, cfg.problems().toString());
    assertFalse(cfg.isValid());
    String message = cfg.statusMessage();
    Map<String, String> firstReason = new java.util.LinkedHashMap<>();
    cfg.problems().forEach(p -> firstReason.putIfAbsent(p.option(), p.reason()));
    if (Set.copyOf(firstReason.values()).size() == 1) {
      String reason = cfg.problems().get(0).reason();
      assertEquals("Invalid charm config: " + String.join(", ", expected) + " (" + reason + ")", message);
    } else {
      assertEquals("Invalid charm config: " + String.join(", ", expected), message);
    }
  }

  static Stream<Arguments> valid() {
    return Stream.of(
        ok("http-host with slash path", m("http-host", "https://r.example:8443/reg/")),
        ok("http-host bare", m("http-host", "http://10.0.0.1:5000")),
        ok("image with host, port and digest", m("registry-image",
            "my.host:5000/library/registry:2.8.3@sha256:" + "a".repeat(64))),
        ok("image localhost path", m("registry-image", "localhost/a/b__c-d.e")),
        ok("proxy with credentials", m("registry-http-proxy", "http://u:secret@proxy:3128",
            "registry-https-proxy", "https://proxy.example")),
        ok("scheme-less proxies (Go reads them as http://)", m("registry-http-proxy",
            "proxy.example:3128", "registry-https-proxy", "10.0.0.1:3128")),
        ok("scheme-less proxy with credentials and IPv6", m("registry-http-proxy",
            "u:p@[fd00::1]:3128", "registry-https-proxy", "proxy")),
        ok("socks5 proxies", m("registry-http-proxy", "socks5://10.0.0.1:1080",
            "registry-https-proxy", "SOCKS5://u:p@socks.example:1080")),
        ok("log-level in any case (the registry lower-cases it)", m("log-level", "DEBUG")),
        ok("s3 options registry 2.8 ignores take any value", m("storage-s3-loglevel", "verbose",
            "storage-s3-usedualstack", true, "storage-s3-accelerate", true,
            "storage-s3-forcepathstyle", true)),
        ok("s3 scheme-less endpoint (the driver adds the scheme)", s3("storage-s3-region",
            "garage", "storage-s3-regionendpoint", "minio.example:9000")),
        ok("s3 scheme-less IP endpoint without port", s3("storage-s3-regionendpoint",
            "10.0.0.9")),
        ok("ports at the bounds", m("registry-port", 1, "debug-port", 65535)),
        ok("long values", m("registry-port", 5005L, "storage-s3-chunksize", 5242880L)),
        ok("s3 minimal", s3()),
        ok("s3 other service, any region", s3("storage-s3-region", "garage",
            "storage-s3-regionendpoint", "http://172.17.0.1:9000")),
        ok("names that only look local", m("cache-remoteurl", "http://localhost.example:5000",
            "storage-cache", "redis", "storage-cache-redis-address", "[fd00::127]:6379")),
        ok("redis with password and db", redis("storage-cache-redis-password", "pw",
            "storage-cache-redis-db", 3)),
        ok("redis address by name", redis("storage-cache-redis-address", "redis.internal:6380")),
        ok("redis options are ignored without storage-cache=redis", m(
            "storage-cache-redis-address", "not an address", "storage-cache-redis-db", -1)),
        ok("metrics with a redis without password", redis("prometheus-metrics", true)),
        ok("s3 threshold 0, NONE class", s3("storage-s3-multipartcopythresholdsize", 0,
            "storage-s3-storageclass", "NONE", "storage-s3-objectacl", "aws-exec-read")),
        ok("swift tempauth", m("storage-swift-authurl", "http://172.17.0.1:8080/auth/v1.0",
            "storage-swift-username", "test:tester", "storage-swift-password", "testing")),
        ok("cache anonymous", m("cache-remoteurl", "https://registry-1.docker.io")),
        ok("s3 storageclass lower case (the driver upper-cases it)",
            m("storage-s3-storageclass", "reduced_redundancy")),
        ok("cache disabled", m("storage-cache", "disabled")),
        ok("maintenance-schedule daily", m("maintenance-schedule", "daily 03:00")),
        ok("maintenance-schedule weekly, any case", m("maintenance-schedule", "Weekly SUN 4:30")),
        ok("unknown keys ignored", m("not-an-option", 42)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void validValuesHaveNoProblems(String name, Map<String, Object> overrides) {
    RegistryConfig cfg = RegistryConfig.from(with(overrides));
    assertEquals(List.of(), cfg.problems());
  }

  @Test
  void storageSelection() {
    assertEquals(StorageBackend.S3, RegistryConfig.from(with(s3())).storageBackend());
    var s3 = RegistryConfig.from(with(s3())).s3().orElseThrow();
    assertTrue(s3.v4Auth(), "v4 signing regardless of skip-v4-auth (default true)");
    var swift = RegistryConfig.from(with("storage-swift-authurl", SWIFT_URL,
        "storage-swift-username", "u", "storage-swift-password", "p"));
    assertEquals(StorageBackend.SWIFT, swift.storageBackend());
    assertEquals("docker-registry", swift.swift().orElseThrow().container());
    assertTrue(swift.s3().isEmpty());
  }

  @Test
  void reasonsAndToStringsNeverContainSecrets() {
    String secret = "s3cr3t-Value";
    Map<String, Object> raw = with("storage-swift-password", secret,
        "storage-s3-secretkey", secret, "storage-s3-accesskey", secret,
        "cache-password", secret, "registry-http-proxy", "http://u:" + secret + "@:bad",
        "registry-https-proxy", secret, "http-host", "https://u:" + secret + "@h/",
        "cache-remoteurl", "ftp://" + secret, "auth-basic-password", secret,
        "log-level", secret, "storage-s3-region", secret, "storage-s3-loglevel", secret,
        "storage-s3-objectacl", secret, "storage-s3-storageclass", secret,
        "storage-s3-regionendpoint", secret, "registry-image", secret, "registry-name", secret);
    RegistryConfig cfg = RegistryConfig.from(raw);
    assertFalse(cfg.problems().isEmpty());
    for (Problem p : cfg.problems()) {
      assertFalse(p.reason().contains(secret), p.toString());
    }
    assertFalse(cfg.statusMessage().contains(secret));
    RegistryConfig ok = RegistryConfig.from(with(s3("storage-s3-secretkey", secret,
        "storage-s3-accesskey", secret, "cache-remoteurl", "https://r.example",
        "cache-username", "u", "cache-password", secret, "auth-basic-password", secret,
        "tls-key-blob", AuthTlsOptionsTest.KEY_B64, "tls-cert-blob", AuthTlsOptionsTest.CERT_B64)));
    assertEquals(List.of(), ok.problems());
    for (Object o : List.of(ok.s3().orElseThrow(), ok.pullThroughCache().orElseThrow(),
        ok.auth(), ok.tls(), ok.basicAuth().orElseThrow())) {
      assertFalse(o.toString().contains(secret), o.toString());
      assertFalse(o.toString().contains("PRIVATE KEY") || o.toString().contains(AuthTlsOptionsTest.KEY_B64.substring(0, 20)), o.toString());
    }
  }

  /** Where this charm is stricter than the old one, the status says what to set. */
  @Test
  void stricterThanTheOldCharmSaysWhatToSet() {
    assertEquals("Invalid charm config: storage-swift-authurl, storage-s3-region, storage-s3-bucket"
        + " (swift and s3 storage are both configured; configure only one)",
        RegistryConfig.from(with("storage-swift-authurl", SWIFT_URL, "storage-swift-username", "u",
            "storage-swift-password", "p", "storage-s3-region", "us-east-1", "storage-s3-bucket", "b")).statusMessage());
    assertEquals("Invalid charm config: storage-swift-username, storage-swift-password (required for swift storage)",
        RegistryConfig.from(with("storage-swift-authurl", SWIFT_URL)).statusMessage());
    assertEquals("Invalid charm config: storage-s3-bucket (required for s3 storage)",
        RegistryConfig.from(with("storage-s3-region", "us-east-1")).statusMessage());
    assertEquals("Invalid charm config: cache-remoteurl (required when cache-username or cache-password is set)",
        RegistryConfig.from(with("cache-username", "u", "cache-password", "p")).statusMessage());
  }

  @Test
  void maintenanceScheduleBlocksSayingWhyAndIsOffByDefault() {
    assertEquals("Invalid charm config: maintenance-schedule (the day must be monday to sunday (or mon to sun))",
        RegistryConfig.from(with("maintenance-schedule", "weekly funday 03:00")).statusMessage());
    assertEquals("Invalid charm config: maintenance-schedule (the time must be HH:MM from 00:00 to 23:59 (UTC))",
        RegistryConfig.from(with("maintenance-schedule", "daily 25:00")).statusMessage());
    assertEquals("Invalid charm config: maintenance-schedule (must be daily HH:MM or weekly DAY HH:MM (UTC), e.g. weekly sunday 03:00)",
        RegistryConfig.from(with("maintenance-schedule", "every night")).statusMessage());
    assertTrue(RegistryConfig.from(with("maintenance-schedule", "every night")).maintenanceSchedule().isEmpty());
    assertTrue(RegistryConfig.from(CharmConfig.defaults()).maintenanceSchedule().isEmpty());
    assertEquals("weekly sunday 03:00", RegistryConfig.from(with("maintenance-schedule", "weekly Sun 3:00")).maintenanceSchedule().orElseThrow().toString());
  }

  @Test
  void logLevelIsReadInLowerCase() {
    assertEquals("warn", RegistryConfig.from(with("log-level", "Warn")).logLevel());
  }

  @Test
  void laterChangesToTheInputMapDoNotLeakIn() {
    Map<String, Object> raw = new HashMap<>(CharmConfig.defaults());
    RegistryConfig cfg = RegistryConfig.from(raw);
    raw.put("log-level", "bogus");
    assertEquals("info", cfg.logLevel());
  }

  static Map<String, Object> s3(Object... more) {
    Map<String, Object> m = m("storage-s3-region", "us-east-1", "storage-s3-bucket", "b");
    m.putAll(m(more));
    return m;
  }

  static Map<String, Object> redis(Object... more) {
    Map<String, Object> m = m("storage-cache", "redis", "storage-cache-redis-address", "10.0.0.7:6379");
    m.putAll(m(more));
    return m;
  }

  static Map<String, Object> m(Object... keysAndValues) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static Arguments bad(String name, Map<String, Object> overrides, String... options) {
    return Arguments.of(name, overrides, List.of(options));
  }

  private static Arguments ok(String name, Map<String, Object> overrides) {
    return Arguments.of(name, overrides);
  }
}
