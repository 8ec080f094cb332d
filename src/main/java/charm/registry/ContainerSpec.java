package charm.registry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything that defines the registry container. Its {@link #hash()} is stored in a label; a
 * container whose label differs from the desired hash is recreated, one with the same hash is
 * left alone. {@code contentDigest} covers the content of every mounted file, so a config change
 * recreates the container even though the mount paths stay the same. {@code owner} is the Juju unit
 * (scoped to its model and application) that manages the container; it goes into the labels.
 * {@code command} is the container's command (the arguments to the image's entrypoint); empty
 * runs the image's own default.
 * Every container logs through {@link #LOG_DRIVER} with rotation (not a field: the same for all).
 * {@code cacheGeneration} is the highest blob descriptor cache generation the unit saw in the peer
 * relation (0: none), planned only for an in-memory cache on shared storage (see {@code
 * charm.CacheReset}): raising it replaces the container, which starts with an empty cache.
 */
public record ContainerSpec(
    String image,
    List<String> command,
    String name,
    Map<String, String> env,
    List<Mount> mounts,
    List<PortMapping> ports,
    List<String> tmpfs,
    boolean hardened,
    String contentDigest,
    Owner owner,
    long cacheGeneration) {

  /** Label holding {@link #hash()}. */
  public static final String HASH_LABEL = "charm.docker-registry.spec-hash";
  /**
   * Label holding {@code cacheGeneration} when it is above 0: a garbage collection on another unit
   * raised it, and a container started before that still caches descriptors of deleted blobs.
   * A label, not an environment variable: the registry reads every {@code REGISTRY_*} one as
   * configuration.
   */
  public static final String CACHE_GENERATION_LABEL = "charm.docker-registry.cache-generation";

  /**
   * The engine keeps the container's output with this log driver, whatever the engine's default
   * is, rotated at {@link #LOG_MAX_SIZE} and at most {@link #LOG_MAX_FILE} files: bounded on disk.
   * In every spec's hash, so containers created before it are replaced once.
   */
  public static final String LOG_DRIVER = "json-file";
  public static final String LOG_MAX_SIZE = "10m";
  public static final String LOG_MAX_FILE = "3";

  /** The log driver's options. */
  public static Map<String, String> logOptions() {
    return Map.of("max-size", LOG_MAX_SIZE, "max-file", LOG_MAX_FILE);
  }

  public ContainerSpec {
    command = List.copyOf(command);
    env = Map.copyOf(env);
    mounts = List.copyOf(mounts);
    ports = List.copyOf(ports);
    tmpfs = List.copyOf(tmpfs);
  }

  /** A spec without a cache generation (the registry's cache needs none, or none was published). */
  public ContainerSpec(String image, List<String> command, String name, Map<String, String> env, List<Mount> mounts,
      List<PortMapping> ports, List<String> tmpfs, boolean hardened, String contentDigest, Owner owner) {
    this(image, command, name, env, mounts, ports, tmpfs, hardened, contentDigest, owner, 0);
  }

  /** The container's labels: the owner's, the cache generation (when above 0) and the spec hash. */
  public Map<String, String> labels() {
    Map<String, String> labels = new java.util.LinkedHashMap<>(owner.labels());
    if (cacheGeneration > 0) {
      labels.put(CACHE_GENERATION_LABEL, String.valueOf(cacheGeneration));
    }
    labels.put(HASH_LABEL, hash());
    return labels;
  }

  /** A host path bound into the container (a bind whose source must exist). */
  public record Mount(String hostPath, String containerPath, boolean readOnly) {
    /** Its line in the hash: the text of the record's generated toString, which earlier revisions hashed. */
    String canonical() {
      return "Mount[hostPath=" + hostPath + ", containerPath=" + containerPath + ", readOnly=" + readOnly + "]";
    }
  }

  /**
   * {@code hostPort:containerPort/tcp} on {@code hostIp}, or on all host addresses when it is
   * empty.
   */
  public record PortMapping(int hostPort, int containerPort, String hostIp) {
    public PortMapping {
      hostIp = hostIp == null ? "" : hostIp;
    }

    /** On all host addresses. */
    public PortMapping(int hostPort, int containerPort) {
      this(hostPort, containerPort, "");
    }

    /**
     * Its line in the hash: the text of the record's generated toString that earlier revisions
     * hashed (they had no host address), plus the host address when there is one.
     */
    String canonical() {
      return "PortMapping[hostPort=" + hostPort + ", containerPort=" + containerPort + (hostIp.isEmpty() ? "" : ", hostIp=" + hostIp) + "]";
    }
  }

  /**
   * SHA-256 over a canonical rendering of every field. Mounts and ports are written out rather
   * than through their records' generated toString, whose first call costs a hook the
   * bootstrap of its method handles. An empty command adds no line. The log driver line is in
   * every hash since the revision that set it: the first hook after upgrading from an earlier one
   * replaces its container once. A cache
   * generation of 0 adds nothing, so containers labelled before it existed keep their hash.
   */
  public String hash() {
    StringBuilder canonical = new StringBuilder();
    canonical.append("image=").append(image).append('\n');
    command.forEach(c -> canonical.append("command=").append(c).append('\n'));
    canonical.append("name=").append(name).append('\n');
    new TreeMap<>(env).forEach((k, v) -> canonical.append("env=").append(k).append('=').append(v).append('\n'));
    mounts.forEach(m -> canonical.append("mount=").append(m.canonical()).append('\n'));
    ports.forEach(p -> canonical.append("port=").append(p.canonical()).append('\n'));
    tmpfs.forEach(t -> canonical.append("tmpfs=").append(t).append('\n'));
    canonical.append("hardened=").append(hardened).append('\n');
    canonical.append("log=").append(LOG_DRIVER).append(" max-file=").append(LOG_MAX_FILE).append(" max-size=").append(LOG_MAX_SIZE).append('\n');
    canonical.append("content=").append(contentDigest).append('\n');
    owner.labels().forEach((k, v) -> canonical.append("label=").append(k).append('=').append(v).append('\n'));
    if (cacheGeneration > 0) {
      canonical.append("label=").append(CACHE_GENERATION_LABEL).append('=').append(cacheGeneration).append('\n');
    }
    return sha256(canonical.toString());
  }

  /** Hex SHA-256 of a UTF-8 string. */
  public static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
