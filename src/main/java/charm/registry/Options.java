package charm.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The charm's options as declared in {@code config.yaml}: name, type and default, in file order.
 *
 * <p>Kept in code so that {@link RegistryConfig} stays pure (no file reading) and so that a raw
 * map missing a key still yields the Juju default. {@code OptionsTest} checks this table against
 * {@code config.yaml}, so the two cannot drift.
 */
final class Options {

  enum Type {
    STRING,
    INT,
    BOOLEAN
  }

  /** One option; {@code defaultValue} is null when config.yaml declares no default. */
  record Option(String name, Type type, Object defaultValue) {}

  static final List<Option> ALL =
      List.of(
          s("auth-basic-user", "admin"),
          s("auth-basic-password", ""),
          s("auth-token-issuer", ""),
          s("auth-token-realm", ""),
          s("auth-token-service", ""),
          s("auth-token-root-certs", ""),
          s("cache-remoteurl", ""),
          s("cache-username", ""),
          s("cache-password", ""),
          i("debug-port", 5001),
          s("http-host", ""),
          s("log-level", "info"),
          s("maintenance-schedule", ""),
          s("nagios_context", "juju"),
          s("nagios_servicegroups", ""),
          b("prometheus-metrics", false),
          s("registry-image", "registry:2"),
          s("registry-name", "registry"),
          i("registry-port", 5000),
          s("registry-http-proxy", null),
          s("registry-https-proxy", null),
          s("retention-policy", ""),
          s("storage-cache", "inmemory"),
          s("storage-cache-redis-address", ""),
          s("storage-cache-redis-password", ""),
          i("storage-cache-redis-db", 0),
          b("storage-delete", false),
          b("storage-read-only", false),
          b("storage-redirect-disable", true),
          s("storage-swift-authurl", ""),
          s("storage-swift-container", "docker-registry"),
          s("storage-swift-username", ""),
          s("storage-swift-password", ""),
          s("storage-swift-region", ""),
          s("storage-swift-tenant", ""),
          s("storage-swift-domain", ""),
          s("storage-s3-region", null),
          s("storage-s3-bucket", null),
          s("storage-s3-accesskey", null),
          s("storage-s3-secretkey", null),
          s("storage-s3-regionendpoint", null),
          s("storage-s3-keyid", null),
          s("storage-s3-rootdirectory", null),
          s("storage-s3-useragent", null),
          b("storage-s3-forcepathstyle", false),
          b("storage-s3-encrypt", false),
          b("storage-s3-secure", true),
          b("storage-s3-skip-verify", false),
          b("storage-s3-skip-v4-auth", true),
          i("storage-s3-chunksize", 10485760),
          i("storage-s3-multipartcopychunksize", 33554432),
          i("storage-s3-multipartcopymaxconcurrency", 100),
          i("storage-s3-multipartcopythresholdsize", 33554432),
          s("storage-s3-storageclass", "STANDARD"),
          b("storage-s3-usedualstack", false),
          b("storage-s3-accelerate", false),
          s("storage-s3-objectacl", "private"),
          s("storage-s3-loglevel", "off"),
          s("tls-certificate-names", ""),
          s("tls-cert-path", "/etc/docker/registry/registry.crt"),
          s("tls-key-path", "/etc/docker/registry/registry.key"),
          s("tls-ca-path", "/etc/docker/registry/ca.crt"),
          s("tls-cert-blob", ""),
          s("tls-key-blob", ""),
          s("tls-ca-blob", ""),
          b("tls-verify-clients", true),
          s("tls-client-ca-blob", ""));

  static final Map<String, Option> BY_NAME = index();

  private Options() {}

  /** Position of an option in config.yaml; unknown names sort last. */
  static int order(String name) {
    for (int i = 0; i < ALL.size(); i++) {
      if (ALL.get(i).name().equals(name)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static Map<String, Option> index() {
    Map<String, Option> map = new LinkedHashMap<>();
    ALL.forEach(o -> map.put(o.name(), o));
    return Map.copyOf(map);
  }

  private static Option s(String name, String def) {
    return new Option(name, Type.STRING, def);
  }

  private static Option i(String name, long def) {
    return new Option(name, Type.INT, def);
  }

  private static Option b(String name, boolean def) {
    return new Option(name, Type.BOOLEAN, def);
  }
}
