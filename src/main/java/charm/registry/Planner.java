package charm.registry;

import charm.registry.RegistryConfig.TokenAuth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Pure: from validated options and Juju-provided facts to the desired {@link Plan}. */
public final class Planner {
  /** The registry configuration on the unit, mounted over the image's default. */
  public static final String CONFIG_PATH = Layout.CONFIG;
  /** Registry data on the unit; it survives container recreation and charm removal. */
  public static final String DATA_DIR = Layout.DATA_DIR;

  static final String CONTAINER_CONFIG = "/etc/docker/registry/config.yml";
  /**
   * The container's command, never the image's default: registry 3 images default to
   * {@code /etc/distribution/config.yml} (their own example configuration, which would serve
   * instead of ours). Both upstream entrypoints (2.8's {@code registry}, 3.x's script, which maps
   * {@code serve ...} to {@code registry serve ...}) and a local image whose entrypoint is
   * {@code /bin/registry} take it.
   */
  static final List<String> COMMAND = List.of("serve", CONTAINER_CONFIG);
  static final String CONTAINER_DATA = ConfigYaml.ROOT_DIRECTORY;
  static final int REGISTRY_CONTAINER_PORT = 5000;
  static final int DEBUG_CONTAINER_PORT = 5001;
  /** Where the debug listener is published while the cos-agent collector scrapes it. */
  public static final String LOOPBACK = "127.0.0.1";

  private Planner() {}

  /**
   * Computes the desired state.
   *
   * @param cfg options without problems
   * @param httpSecret the shared {@code http.secret} from the leader
   * @param address the unit's ingress address, for clients
   * @param owner the unit (in its model and application) recorded on the container
   */
  public static Plan plan(RegistryConfig cfg, String httpSecret, String address, Owner owner) {
    return plan(cfg, httpSecret, address, owner, Optional.empty());
  }

  /**
   * Computes the desired state.
   *
   * @param tls the validated material to serve HTTPS with, or empty for plain HTTP
   */
  public static Plan plan(RegistryConfig cfg, String httpSecret, String address, Owner owner, Optional<ServedTls> tls) {
    return plan(cfg, httpSecret, address, owner, tls, Optional.empty());
  }

  /**
   * Computes the desired state.
   *
   * @param tls the validated material to serve HTTPS with, or empty for plain HTTP
   * @param proxyAddress the address of the proxy (haproxy on the website relation) clients go through
   */
  public static Plan plan(
      RegistryConfig cfg, String httpSecret, String address, Owner owner, Optional<ServedTls> tls, Optional<String> proxyAddress) {
    return plan(cfg, httpSecret, address, owner, tls, proxyAddress, 0);
  }

  /**
   * Computes the desired state.
   *
   * @param cacheGeneration the highest blob descriptor cache generation in the peer relation (0:
   *     none); it labels the container only where {@link #cacheGenerationApplies} says so
   */
  public static Plan plan(RegistryConfig cfg, String httpSecret, String address, Owner owner, Optional<ServedTls> tls,
      Optional<String> proxyAddress, long cacheGeneration) {
    return plan(cfg, httpSecret, address, owner, tls, proxyAddress, cacheGeneration, false);
  }

  /**
   * Computes the desired state.
   *
   * @param cosAgent whether the cos-agent relation exists: the registry's metrics are then on
   *     whatever prometheus-metrics says, and the debug listener (metrics, pprof, expvar) is
   *     published on 127.0.0.1 only, for the collector on the same machine, and no port is opened
   *     for it
   */
  public static Plan plan(RegistryConfig cfg, String httpSecret, String address, Owner owner, Optional<ServedTls> tls,
      Optional<String> proxyAddress, long cacheGeneration, boolean cosAgent) {
    List<Plan.FileSpec> files = new ArrayList<>();
    List<Plan.DirSpec> dirs = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    List<ContainerSpec.Mount> mounts = new ArrayList<>();
    mounts.add(new ContainerSpec.Mount(CONFIG_PATH, CONTAINER_CONFIG, true));
    mounts.add(new ContainerSpec.Mount(DATA_DIR, CONTAINER_DATA, false));

    Optional<RegistryConfig.BasicAuth> basic = cfg.basicAuth();
    Optional<RegistryConfig.TokenAuth> token = cfg.tokenAuth();
    Map<String, Object> auth = null;
    if (basic.isPresent()) {
      // #auth htpasswd: the realm is what clients see in WWW-Authenticate.
      auth = ConfigYaml.section("htpasswd", ConfigYaml.section("realm", owner.application(), "path", Layout.HTPASSWD));
    } else if (token.isPresent()) {
      TokenAuth t = token.get();
      auth = ConfigYaml.section("token", ConfigYaml.section("realm", t.realm(), "service", t.service(), "issuer", t.issuer(),
          "rootcertbundle", Layout.TOKEN_ROOT_CERTS));
      files.add(new Plan.FileSpec(Layout.TOKEN_ROOT_CERTS, t.rootCertsPem(), "rw-r--r--"));
    }
    if (token.isEmpty()) {
      absent.add(Layout.TOKEN_ROOT_CERTS);
    }
    if (basic.isEmpty()) {
      absent.add(Layout.HTPASSWD);
    }
    if (auth != null) {
      dirs.add(new Plan.DirSpec(Layout.AUTH_DIR, "rwx------"));
      mounts.add(new ContainerSpec.Mount(Layout.AUTH_DIR, Layout.AUTH_DIR, true));
    }
    Optional<Plan.Credentials> htpasswd = basic.map(b -> new Plan.Credentials(Layout.HTPASSWD, b.user(), b.password()));

    Map<String, Object> httpTls = tls(tls, files, dirs, mounts, absent);
    String configYml = ConfigYaml.render(cfg, new ConfigYaml.Extras(httpSecret, httpTls, auth), cfg.prometheusMetrics() || cosAgent);
    files.add(0, new Plan.FileSpec(CONFIG_PATH, configYml, "rw-------"));

    List<ContainerSpec.PortMapping> portMappings = new ArrayList<>();
    TreeSet<Integer> ports = new TreeSet<>();
    portMappings.add(new ContainerSpec.PortMapping(cfg.registryPort(), REGISTRY_CONTAINER_PORT));
    ports.add(cfg.registryPort());
    if (cosAgent) {
      portMappings.add(new ContainerSpec.PortMapping(cfg.debugPort(), DEBUG_CONTAINER_PORT, LOOPBACK));
    } else if (cfg.prometheusMetrics()) {
      portMappings.add(new ContainerSpec.PortMapping(cfg.debugPort(), DEBUG_CONTAINER_PORT));
      ports.add(cfg.debugPort());
    }

    Map<String, String> env = new LinkedHashMap<>();
    cfg.httpProxy().ifPresent(proxy -> env.put("HTTP_PROXY", proxy));
    cfg.httpsProxy().ifPresent(proxy -> env.put("HTTPS_PROXY", proxy));

    StringBuilder content = new StringBuilder();
    files.forEach(f -> content.append(f.path()).append('\0').append(f.mode()).append('\0').append(f.content()).append('\0'));
    ContainerSpec container =
        new ContainerSpec(
            cfg.registryImage(),
            COMMAND,
            cfg.registryName(),
            env,
            mounts,
            portMappings,
            List.of("/tmp"),
            true,
            ContainerSpec.sha256(content.toString()),
            owner,
            cacheGenerationApplies(cfg) ? Math.max(0, cacheGeneration) : 0);
    String scheme = tls.isPresent() ? "https" : "http";
    return new Plan(files, dirs, htpasswd, absent, container, ports, netloc(cfg, address, proxyAddress), scheme,
        Secrets.of(cfg, httpSecret));
  }

  /**
   * Whether the container carries the cache generation: only a registry that caches blob
   * descriptors in its own memory and shares its storage with the other units (Swift, S3) can
   * describe blobs a garbage collection on another unit deleted. With redis the collecting unit
   * flushes the one shared cache; on the filesystem each unit stores and collects its own blobs.
   * Elsewhere the generation would only restart registries for nothing.
   */
  public static boolean cacheGenerationApplies(RegistryConfig cfg) {
    return cfg.blobCache() == RegistryConfig.BlobCache.INMEMORY && cfg.storageBackend() != RegistryConfig.StorageBackend.FILESYSTEM;
  }

  /**
   * Where clients reach the registry: http-host's host[:port] when set; else the proxy's address
   * with the registry port (haproxy listens on it; the old charm forgot the port); else the
   * unit's address and port.
   */
  static String netloc(RegistryConfig cfg, String address, Optional<String> proxy) {
    Optional<String> external = cfg.httpHost().map(java.net.URI::create).map(java.net.URI::getRawAuthority);
    if (external.isPresent()) {
      return external.get();
    }
    return proxy.orElse(address) + ":" + cfg.registryPort();
  }

  /** #tls: the copies the registry reads, mounted as a directory; null (and absent) without TLS. */
  private static Map<String, Object> tls(
      Optional<ServedTls> tls, List<Plan.FileSpec> files, List<Plan.DirSpec> dirs, List<ContainerSpec.Mount> mounts, List<String> absent) {
    if (tls.isEmpty()) {
      absent.addAll(List.of(Layout.TLS_CERT, Layout.TLS_KEY, Layout.TLS_CLIENT_CAS));
      return null;
    }
    ServedTls t = tls.get();
    files.add(new Plan.FileSpec(Layout.TLS_CERT, t.certPem(), "rw-r--r--"));
    files.add(new Plan.FileSpec(Layout.TLS_KEY, t.keyPem(), "rw-------"));
    dirs.add(new Plan.DirSpec(Layout.TLS_DIR, "rwx------"));
    mounts.add(new ContainerSpec.Mount(Layout.TLS_DIR, Layout.TLS_DIR, true));
    Map<String, Object> section = ConfigYaml.section("certificate", Layout.TLS_CERT, "key", Layout.TLS_KEY);
    if (t.clientCasPem() != null) {
      files.add(new Plan.FileSpec(Layout.TLS_CLIENT_CAS, t.clientCasPem(), "rw-r--r--"));
      section.put("clientcas", List.of(Layout.TLS_CLIENT_CAS));
    } else {
      absent.add(Layout.TLS_CLIENT_CAS);
    }
    section.put("minimumtls", "tls1.2");
    return section;
  }
}
