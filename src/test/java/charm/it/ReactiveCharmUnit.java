package charm.it;

import charm.tls.Htpasswd;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import jujusim.HookResult;
import jujusim.Sim;
import jujusim.SimOptions;

/**
 * A unit as Canonical's reactive docker-registry charm left it, to refresh to this charm: the
 * machine under a unit root (DOCKER_REGISTRY_ROOT) and the Juju model around it.
 *
 * <p>The machine, as that charm's code set it up for the given options (its source:
 * {@code src/lib/charms/layer/docker_registry.py}; layer:docker for daemon.json):
 *
 * <ul>
 *   <li>{@code /etc/docker/registry/config.yml} (0600) as PyYAML's {@code safe_dump} wrote it,
 *       keys sorted, with {@code relativeurls: true} and the level as configured;
 *   <li>the tls-*-blob options decoded to the tls-*-path files (default paths, mode 0644 as
 *       Python's {@code write_bytes} leaves them); HTTPS when the certificate and key paths are
 *       files (links followed), with {@code clientcas} when the CA path is one too;
 *       {@code /etc/docker/registry/htpasswd} for basic auth (bcrypt, as {@code htpasswd -B}
 *       writes it);
 *   <li>{@code /etc/docker/daemon.json} as layer:docker dumps it: its default log options and
 *       {@code insecure-registries: [<address>:<port>]} (that charm added the entry whenever TLS
 *       came from options rather than the cert-provider relation);
 *   <li>the container, started with the docker CLI and that charm's arguments: {@code docker run
 *       -d -p <port>:5000 -p <debug-port>:5001 --restart unless-stopped [-e HTTP_PROXY=..]
 *       [-e HTTPS_PROXY=..] -v <each file at its place> -v /srv/registry:/var/lib/registry --name
 *       <registry-name> <registry-image>}, no labels.
 * </ul>
 *
 * <p>The model: the options set, the leader's {@code http-secret} in leader settings (written with
 * {@code leader-set}, as that charm did), the registry port opened, the unit active. A stand-in
 * charm (this charm's metadata and options, a {@code dispatch} that does only those Juju calls) is
 * deployed first; {@link #refresh()} then refreshes the application to the packed charm.
 *
 * <p>Only what the upgrade tests use is reproduced: filesystem storage (also with only
 * storage-s3-region set, which that charm ignored), HTTPS from the tls-* options, basic auth and
 * the proxy options. {@link #close()} removes the application (this
 * charm's stop and remove hooks), every container named after the unit, and the work directory.
 */
final class ReactiveCharmUnit implements AutoCloseable {
  static final String UNIT = "docker-registry/0";
  static final String CONFIG = "etc/docker/registry/config.yml";
  static final String HTPASSWD = "etc/docker/registry/htpasswd";
  static final String DAEMON_JSON = "etc/docker/daemon.json";
  /** The tls-*-path defaults, which the tests keep. */
  static final Map<String, String> TLS_PATHS = Map.of(
      "tls-cert-blob", "/etc/docker/registry/registry.crt",
      "tls-key-blob", "/etc/docker/registry/registry.key",
      "tls-ca-blob", "/etc/docker/registry/ca.crt");
  // storage-s3-region alone: the old charm silently stored on the filesystem (s3 needed a bucket too).
  private static final Set<String> SUPPORTED = Set.of("log-level", "registry-http-proxy", "registry-https-proxy",
      "auth-basic-user", "auth-basic-password", "tls-cert-blob", "tls-key-blob", "tls-ca-blob", "storage-s3-region");

  final Path work;
  final Path root;
  final Sim sim;
  final String name;
  final int port;
  final int debugPort;
  final String address;
  /** The http secret the old charm's leader generated. */
  final String secret;
  /** The old charm's container id. */
  final String oldContainer;

  private ReactiveCharmUnit(Path work, Path root, Sim sim, String name, int port, int debugPort, String address,
      String secret, String oldContainer) {
    this.work = work;
    this.root = root;
    this.sim = sim;
    this.name = name;
    this.port = port;
    this.debugPort = debugPort;
    this.address = address;
    this.secret = secret;
    this.oldContainer = oldContainer;
  }

  /**
   * Sets up the machine and the model for {@code options} (only those in {@link #SUPPORTED}) with
   * the unit at {@code address}; the old registry answers on its port when this returns.
   */
  static ReactiveCharmUnit deploy(String prefix, String address, Map<String, Object> options) {
    return deploy(prefix, address, options, root -> {});
  }

  /**
   * As {@link #deploy(String, String, Map)}; {@code machine} first puts the operator's own files
   * under the unit root (e.g. certificates at the tls-*-path locations, which the old charm served
   * when both the certificate and the key were files, links followed).
   */
  static ReactiveCharmUnit deploy(String prefix, String address, Map<String, Object> options, java.util.function.Consumer<Path> machine) {
    for (String option : options.keySet()) {
      if (!SUPPORTED.contains(option)) {
        throw new IllegalArgumentException("the fixture does not reproduce " + option);
      }
    }
    try {
      Path work = Files.createTempDirectory(prefix);
      Path root = UnitRoot.create(work.resolve("root"));
      machine.accept(root);
      String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
      int port = TestNet.freePort();
      int debugPort = TestNet.freePort();
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String secret = Base64.getEncoder().encodeToString(random);
      String netloc = address + ":" + port;

      List<String> volumes = new ArrayList<>();
      volumes.add(CONFIG);
      boolean basic = !str(options, "auth-basic-password").isEmpty() && !str(options, "auth-basic-user", "admin").isEmpty();
      if (basic) {
        write(root.resolve(HTPASSWD), Htpasswd.line(str(options, "auth-basic-user", "admin"), str(options, "auth-basic-password")) + "\n", "rw-r--r--");
        volumes.add(HTPASSWD);
      }
      for (String blob : List.of("tls-cert-blob", "tls-ca-blob", "tls-key-blob")) {
        if (!str(options, blob).isEmpty()) {
          write(root.resolve(TLS_PATHS.get(blob).substring(1)), new String(Base64.getDecoder().decode(str(options, blob)), StandardCharsets.UTF_8), "rw-r--r--");
        }
      }
      boolean tls = Files.isRegularFile(root.resolve(TLS_PATHS.get("tls-cert-blob").substring(1)))
          && Files.isRegularFile(root.resolve(TLS_PATHS.get("tls-key-blob").substring(1)));
      boolean clientCas = tls && Files.isRegularFile(root.resolve(TLS_PATHS.get("tls-ca-blob").substring(1)));
      if (tls) {
        volumes.add(TLS_PATHS.get("tls-cert-blob").substring(1));
        volumes.add(TLS_PATHS.get("tls-key-blob").substring(1));
        if (clientCas) {
          volumes.add(TLS_PATHS.get("tls-ca-blob").substring(1));
        }
      }
      write(root.resolve(CONFIG), configYml(str(options, "log-level", "info"), secret, basic, tls, clientCas), "rw-------");
      Files.createDirectories(root.resolve("srv/registry"));
      write(root.resolve(DAEMON_JSON), "{\"insecure-registries\": [\"" + netloc + "\"], \"log-driver\": \"json-file\", "
          + "\"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"100\"}}", "rw-r--r--");

      List<String> run = new ArrayList<>(List.of("docker", "run", "-d", "-p", port + ":5000", "-p", debugPort + ":5001",
          "--restart", "unless-stopped"));
      if (!str(options, "registry-http-proxy").isEmpty()) {
        run.addAll(List.of("-e", "HTTP_PROXY=" + str(options, "registry-http-proxy")));
      }
      if (!str(options, "registry-https-proxy").isEmpty()) {
        run.addAll(List.of("-e", "HTTPS_PROXY=" + str(options, "registry-https-proxy")));
      }
      for (String file : volumes) {
        run.addAll(List.of("-v", root.resolve(file) + ":/" + file));
      }
      run.addAll(List.of("-v", root.resolve("srv/registry") + ":/var/lib/registry", "--name", name, "registry:2"));
      String container = Cmd.ok(run.toArray(new String[0])).trim();
      Poll.until(java.time.Duration.ofSeconds(30), () -> Cmd.run("docker", "logs", name).output().contains("listening on"),
          () -> "the old registry does not start: " + Cmd.run("docker", "logs", name).output());

      Path standIn = standInCharm(work.resolve("reactive-charm"), secret, port, netloc);
      Sim sim = Sim.create(work.resolve("sim"), standIn, SimOptions.defaults().env("DOCKER_REGISTRY_ROOT", root.toString()));
      sim.model().unitAddresses.put(UNIT, address);
      sim.model().config.put("registry-name", name);
      sim.model().config.put("registry-port", port);
      sim.model().config.put("debug-port", debugPort);
      sim.model().config.putAll(options);
      sim.deploy(1).forEach(h -> check(h));
      return new ReactiveCharmUnit(work, root, sim, name, port, debugPort, address, secret, container);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code juju refresh --path target/docker-registry.charm}; every hook must exit 0. */
  List<HookResult> refresh() {
    List<HookResult> hooks = sim.refresh(RegistryCharmIT.CHARM);
    hooks.forEach(ReactiveCharmUnit::check);
    return hooks;
  }

  String netloc() {
    return address + ":" + port;
  }

  Path file(String unitPath) {
    return root.resolve(unitPath.replaceFirst("^/+", ""));
  }

  @Override
  public void close() {
    try {
      sim.destroy();
    } finally {
      SimUnit.removeLeftovers(name, work);
    }
  }

  private static void check(HookResult h) {
    if (h.exitCode() != 0) {
      throw new AssertionError(h + "\n" + h.stderr());
    }
  }

  /**
   * config.yml as the old charm's {@code yaml.safe_dump} wrote it: block style, keys sorted, an
   * empty {@code auth: {}} without authentication, paths the container sees.
   */
  static String configYml(String level, String secret, boolean basic, boolean tls, boolean clientCas) {
    StringBuilder y = new StringBuilder();
    if (basic) {
      y.append("auth:\n  htpasswd:\n    path: /etc/docker/registry/htpasswd\n    realm: docker-registry\n");
    } else {
      y.append("auth: {}\n");
    }
    y.append("health:\n  storagedriver:\n    enabled: true\n    interval: 10s\n    threshold: 3\n");
    y.append("http:\n  addr: 0.0.0.0:5000\n  headers:\n    X-Content-Type-Options:\n    - nosniff\n");
    y.append("  relativeurls: true\n  secret: ").append(secret).append('\n');
    if (tls) {
      y.append("  tls:\n    certificate: ").append(TLS_PATHS.get("tls-cert-blob")).append('\n');
      if (clientCas) {
        y.append("    clientcas:\n    - ").append(TLS_PATHS.get("tls-ca-blob")).append('\n');
      }
      y.append("    key: ").append(TLS_PATHS.get("tls-key-blob")).append('\n');
    }
    y.append("log:\n  fields:\n    service: registry\n  formatter: json\n  level: ").append(level).append('\n');
    y.append("storage:\n  cache:\n    blobdescriptor: inmemory\n  filesystem:\n    rootdirectory: /var/lib/registry\n");
    y.append("  redirect:\n    disable: true\nversion: '0.1'\n");
    return y.toString();
  }

  /**
   * A charm directory named docker-registry with this charm's metadata and options, whose
   * {@code dispatch} leaves in Juju what the reactive charm left: the secret in leader settings,
   * the registry port open, "Ready at <address>:<port> (http)." (it said http for TLS from
   * options too).
   */
  private static Path standInCharm(Path dir, String secret, int port, String netloc) throws IOException {
    Files.createDirectories(dir);
    for (String file : List.of("metadata.yaml", "config.yaml", "actions.yaml")) {
      Files.copy(Path.of(file), dir.resolve(file));
    }
    String dispatch = "#!/bin/sh\n"
        + "# Stand-in for the reactive docker-registry charm: the test set the machine up as it did.\n"
        + "case \"$JUJU_DISPATCH_PATH\" in\n"
        + "  hooks/leader-elected) leader-set \"http-secret=" + secret + "\" ;;\n"
        + "  hooks/start) open-port " + port + "/tcp && status-set active \"Ready at " + netloc + " (http).\" ;;\n"
        + "esac\n";
    write(dir.resolve("dispatch"), dispatch, "rwxr-xr-x");
    return dir;
  }

  private static void write(Path file, String text, String mode) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
  }

  private static String str(Map<String, Object> options, String option) {
    return str(options, option, "");
  }

  private static String str(Map<String, Object> options, String option, String def) {
    Object value = options.get(option);
    return value == null ? def : value.toString();
  }
}
