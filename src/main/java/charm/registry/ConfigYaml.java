package charm.registry;

import charm.registry.RegistryConfig.PullThroughCache;
import charm.registry.RegistryConfig.RedisCache;
import charm.registry.RegistryConfig.S3;
import charm.registry.RegistryConfig.Swift;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the registry's {@code config.yml} (registry 2.8 format) from a valid {@link
 * RegistryConfig}. Pure and deterministic: LinkedHashMaps in a fixed order, written in block
 * style with every string value double-quoted (see {@link BlockYaml}).
 *
 * <p>Reference for every section: https://distribution.github.io/distribution/about/configuration/
 * (the 2.8 docs: docs/configuration.md at tag v2.8.2 of github.com/distribution/distribution).
 */
public final class ConfigYaml {

  /** Where the registry keeps its data inside the container (host /srv/registry is mounted). */
  public static final String ROOT_DIRECTORY = "/var/lib/registry";
  /** Address of the registry inside the container; registry-port is mapped to it. */
  public static final String HTTP_ADDR = "0.0.0.0:5000";
  /** Address of the debug server inside the container; debug-port is mapped to it. */
  public static final String DEBUG_ADDR = "0.0.0.0:5001";

  static final String HEADER =
      "# Managed by the docker-registry charm: local changes are overwritten.\n"
          + "# Format: https://distribution.github.io/distribution/about/configuration/ (2.8)\n";

  /**
   * What other parts of the charm provide. Each may be null (then omitted): the leader's shared
   * {@code httpSecret}; {@code tls}, placed under {@code http.tls}; {@code auth}, the top-level
   * {@code auth} section.
   */
  public record Extras(String httpSecret, Map<String, Object> tls, Map<String, Object> auth) {
    public static final Extras NONE = new Extras(null, null, null);

    @Override
    public String toString() {
      return "Extras[httpSecret=<redacted>, tls=" + (tls != null) + ", auth=" + (auth != null) + "]";
    }
  }

  private ConfigYaml() {}

  /**
   * Renders config.yml.
   *
   * @throws IllegalArgumentException if {@code cfg} has problems: callers block instead, so an
   *     invalid config (which the registry might refuse) is never written.
   */
  public static String render(RegistryConfig cfg, Extras extras) {
    return render(cfg, extras, cfg.prometheusMetrics());
  }

  /**
   * Renders config.yml.
   *
   * @param metrics whether the debug listener serves Prometheus metrics (prometheus-metrics, or
   *     the cos-agent relation)
   */
  public static String render(RegistryConfig cfg, Extras extras, boolean metrics) {
    if (!cfg.isValid()) {
      throw new IllegalArgumentException("refusing to render an invalid config: "
          + cfg.problems().stream().map(RegistryConfig.Problem::option).toList());
    }
    Extras x = extras == null ? Extras.NONE : extras;
    Map<String, Object> root = new LinkedHashMap<>();
    // "version": a plain 0.1 as in every upstream example (a Double dumps as exactly "0.1").
    root.put("version", 0.1);
    root.put("log", log(cfg));
    if (x.auth() != null) {
      root.put("auth", x.auth()); // #auth
    }
    root.put("http", http(cfg, x, metrics));
    root.put("health", health());
    cfg.pullThroughCache().ifPresent(c -> root.put("proxy", proxy(c)));
    root.put("storage", storage(cfg));
    cfg.redisCache().ifPresent(r -> root.put("redis", redis(r)));
    return HEADER + BlockYaml.dump(root);
  }

  // #log
  private static Map<String, Object> log(RegistryConfig cfg) {
    return map("level", cfg.logLevel(), "formatter", "json", "fields", map("service", "registry"));
  }

  // #http (and #debug, #tls, #headers)
  private static Map<String, Object> http(RegistryConfig cfg, Extras x, boolean metrics) {
    Map<String, Object> http = map("addr", HTTP_ADDR);
    cfg.httpHost().ifPresent(h -> http.put("host", h));
    if (x.httpSecret() != null) {
      http.put("secret", x.httpSecret());
    }
    // With an external URL, Location headers are absolute and built from it; without one they
    // are relative, which works behind any proxy or port mapping.
    http.put("relativeurls", cfg.httpHost().isEmpty());
    http.put("headers", map("X-Content-Type-Options", List.of("nosniff")));
    if (metrics) {
      http.put("debug", map("addr", DEBUG_ADDR,
          "prometheus", map("enabled", true, "path", "/metrics")));
    }
    if (x.tls() != null) {
      http.put("tls", x.tls());
    }
    return http;
  }

  // #health
  private static Map<String, Object> health() {
    return map("storagedriver", map("enabled", true, "interval", "10s", "threshold", 3));
  }

  // #proxy: pull-through cache
  private static Map<String, Object> proxy(PullThroughCache cache) {
    Map<String, Object> proxy = map("remoteurl", cache.remoteUrl());
    putIfSet(proxy, "username", cache.username());
    putIfSet(proxy, "password", cache.password());
    return proxy;
  }

  // #storage
  private static Map<String, Object> storage(RegistryConfig cfg) {
    Map<String, Object> storage = new LinkedHashMap<>();
    switch (cfg.storageBackend()) {
      case SWIFT -> storage.put("swift", swift(cfg.swift().orElseThrow()));
      case S3 -> storage.put("s3", s3(cfg.s3().orElseThrow()));
      default -> storage.put("filesystem", map("rootdirectory", ROOT_DIRECTORY));
    }
    storage.put("delete", map("enabled", cfg.storageDelete()));
    // uploadpurging is left to the registry's default (enabled; uploads older than 168h are
    // removed every 24h), in read-only mode too: stale uploads are never useful.
    storage.put("maintenance", map("readonly", map("enabled", cfg.storageReadOnly())));
    // Without a cache section, 2.8 runs with no blob descriptor cache: that is "disabled".
    switch (cfg.blobCache()) {
      case INMEMORY -> storage.put("cache", map("blobdescriptor", "inmemory"));
      case REDIS -> storage.put("cache", map("blobdescriptor", "redis"));
      default -> { }
    }
    storage.put("redirect", map("disable", cfg.storageRedirectDisable()));
    return storage;
  }

  // #redis: the blob descriptor cache's server. Short timeouts: the registry asks redis on every
  // blob lookup and falls back to the storage when redis fails, so an unreachable redis must
  // cost little; the pool does not wait for a free connection either (2.8 proceeds without).
  private static Map<String, Object> redis(RedisCache r) {
    Map<String, Object> m = map("addr", r.address());
    putIfSet(m, "password", r.password());
    m.put("db", r.db());
    m.put("dialtimeout", REDIS_TIMEOUT);
    m.put("readtimeout", REDIS_TIMEOUT);
    m.put("writetimeout", REDIS_TIMEOUT);
    m.put("pool", map("maxidle", 16, "maxactive", 64, "idletimeout", "300s"));
    return m;
  }

  /** Connect, read and write timeout of each redis call. */
  static final String REDIS_TIMEOUT = "250ms";

  // #openstack-swift (docs/storage-drivers/swift.md)
  private static Map<String, Object> swift(Swift s) {
    Map<String, Object> m = new LinkedHashMap<>();
    putIfSet(m, "authurl", s.authUrl());
    putIfSet(m, "username", s.username());
    putIfSet(m, "password", s.password());
    putIfSet(m, "container", s.container());
    putIfSet(m, "region", s.region());
    putIfSet(m, "tenant", s.tenant());
    putIfSet(m, "domain", s.domain());
    return m;
  }

  // #s3 (docs/storage-drivers/s3.md). Only what the 2.8.2 driver reads (FromParameters in
  // registry/storage/driver/s3-aws/s3.go): no forcepathstyle (it uses path style whenever
  // regionendpoint is set), usedualstack, accelerate or loglevel.
  private static Map<String, Object> s3(S3 s) {
    Map<String, Object> m = new LinkedHashMap<>();
    putIfSet(m, "accesskey", s.accessKey());
    putIfSet(m, "secretkey", s.secretKey());
    putIfSet(m, "region", s.region());
    putIfSet(m, "regionendpoint", s.regionEndpoint());
    putIfSet(m, "bucket", s.bucket());
    m.put("encrypt", s.encrypt());
    putIfSet(m, "keyid", s.keyId());
    m.put("secure", s.secure());
    m.put("skipverify", s.skipVerify());
    m.put("v4auth", s.v4Auth());
    m.put("chunksize", s.chunkSize());
    m.put("multipartcopychunksize", s.multipartCopyChunkSize());
    m.put("multipartcopymaxconcurrency", s.multipartCopyMaxConcurrency());
    m.put("multipartcopythresholdsize", s.multipartCopyThresholdSize());
    putIfSet(m, "rootdirectory", s.rootDirectory());
    m.put("storageclass", s.storageClass());
    putIfSet(m, "useragent", s.userAgent());
    m.put("objectacl", s.objectAcl());
    return m;
  }

  private static void putIfSet(Map<String, Object> m, String key, String value) {
    if (value != null && !value.isEmpty()) {
      m.put(key, value);
    }
  }

  /** An ordered section for {@link Extras} (keys and values alternate). */
  public static Map<String, Object> section(Object... keysAndValues) {
    return map(keysAndValues);
  }

  private static Map<String, Object> map(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }
}
