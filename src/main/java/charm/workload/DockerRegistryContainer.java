package charm.workload;

import charm.registry.ContainerSpec;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link RegistryContainer} over the local Docker engine. Every change (pull, create, start, stop,
 * remove, exec) goes through docker-java; the checks that decide whether anything has to change
 * are plain GETs on the engine socket ({@link DockerSocket}), so a hook with nothing to do never
 * pays for docker-java's start-up.
 */
public final class DockerRegistryContainer implements RegistryContainer {
  /** The engine socket on every unit (under the unit's root, like every path the charm uses). */
  public static final String SOCKET = "/var/run/docker.sock";

  private static final Pattern ENGINE_MESSAGE = Pattern.compile("\"message\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final Path socket;
  private final DockerSocket reads;
  private final HostFiles files;
  private final Duration response;
  private final Duration read;
  private DockerClient client;

  /**
   * @param socket the engine's unix socket
   * @param files resolves the unit paths of bind mounts to host paths
   */
  public DockerRegistryContainer(Path socket, HostFiles files) {
    this(socket, files, DockerSocket.DEADLINE, DockerClients.RESPONSE_TIMEOUT, DockerClients.READ_TIMEOUT);
  }

  /** For tests: one short deadline for everything. */
  DockerRegistryContainer(Path socket, HostFiles files, Duration deadline) {
    this(socket, files, deadline, deadline, deadline);
  }

  private DockerRegistryContainer(Path socket, HostFiles files, Duration get, Duration response, Duration read) {
    this.socket = socket;
    this.reads = new DockerSocket(socket, get);
    this.files = files;
    this.response = response;
    this.read = read;
  }

  /** The docker-java client, created on first use. */
  private DockerClient client() {
    if (client == null) {
      client = DockerClients.connect(socket, response, read);
    }
    return client;
  }

  @Override
  public boolean engineAnswers() {
    try {
      return reads.get("/_ping").status() == 200;
    } catch (EngineUnavailable e) {
      return false;
    }
  }

  @Override
  public Optional<ContainerState> inspect(String name) {
    DockerSocket.Response r = reads.get("/containers/" + DockerSocket.encode(name) + "/json");
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw new IllegalStateException("inspecting container " + name + ": HTTP " + r.status());
    }
    Map<String, Object> body = r.object();
    Object hash = DockerSocket.path(body, "Config", "Labels", ContainerSpec.HASH_LABEL);
    Object exitCode = DockerSocket.path(body, "State", "ExitCode");
    return Optional.of(
        new ContainerState(
            String.valueOf(body.get("Id")),
            String.valueOf(body.get("Name")).replaceFirst("^/", ""),
            Boolean.TRUE.equals(DockerSocket.path(body, "State", "Running")),
            Boolean.TRUE.equals(DockerSocket.path(body, "State", "Restarting")),
            exitCode instanceof Number n ? n.intValue() : 0,
            hash instanceof String h ? h : null,
            String.valueOf(DockerSocket.path(body, "State", "StartedAt"))));
  }

  @Override
  public List<String> managedContainers(String unitName) {
    String filter = "{\"label\":[\"" + ContainerSpec.OWNER_LABEL + "=" + unitName + "\"]}";
    DockerSocket.Response r = reads.get("/containers/json?all=1&filters=" + DockerSocket.encode(filter));
    if (r.status() != 200) {
      throw new IllegalStateException("listing containers: HTTP " + r.status());
    }
    List<String> names = new ArrayList<>();
    if (r.body() instanceof List<?> containers) {
      for (Object c : containers) {
        if (DockerSocket.path(c, "Names") instanceof List<?> aliases && !aliases.isEmpty()) {
          names.add(String.valueOf(aliases.get(0)).replaceFirst("^/", ""));
        }
      }
    }
    return names;
  }

  @Override
  public boolean imagePresent(String image) {
    int status = reads.get("/images/" + image + "/json").status();
    if (status != 200 && status != 404) {
      throw new IllegalStateException("inspecting image " + image + ": HTTP " + status);
    }
    return status == 200;
  }

  @Override
  public void pull(String image, Consumer<String> progress) {
    DockerImages.pull(client(), image, progress);
  }

  @Override
  public String createAndStart(ContainerSpec spec) {
    List<Bind> binds = new ArrayList<>();
    for (ContainerSpec.Mount m : spec.mounts()) {
      binds.add(new Bind(files.resolve(m.hostPath()).toString(), new Volume(m.containerPath()), m.readOnly() ? AccessMode.ro : AccessMode.rw));
    }
    List<PortBinding> portBindings = new ArrayList<>();
    List<ExposedPort> exposed = new ArrayList<>();
    for (ContainerSpec.PortMapping p : spec.ports()) {
      ExposedPort port = ExposedPort.tcp(p.containerPort());
      exposed.add(port);
      portBindings.add(new PortBinding(Ports.Binding.bindPort(p.hostPort()), port));
    }
    Map<String, String> tmpfs = new LinkedHashMap<>();
    spec.tmpfs().forEach(t -> tmpfs.put(t, "rw,nosuid,nodev,noexec,size=64m"));
    HostConfig host =
        HostConfig.newHostConfig()
            .withBinds(binds)
            .withPortBindings(portBindings)
            .withRestartPolicy(RestartPolicy.unlessStoppedRestart())
            .withTmpFs(tmpfs);
    if (spec.hardened()) {
      // The registry needs no capability: it runs as root, owns its files and listens on 5000.
      host.withSecurityOpts(List.of("no-new-privileges:true"))
          .withCapDrop(Capability.ALL)
          .withReadonlyRootfs(true);
    }
    List<String> env = new ArrayList<>();
    spec.env().forEach((k, v) -> env.add(k + "=" + v));
    Map<String, String> labels = Map.of(ContainerSpec.HASH_LABEL, spec.hash(), ContainerSpec.OWNER_LABEL, spec.owner());
    String id;
    try {
      id = create(spec, exposed, host, env, labels);
    } catch (ConflictException e) {
      // A container with our name appeared between inspect and create: replace it once.
      remove(spec.name());
      id = create(spec, exposed, host, env, labels);
    } catch (DockerException e) {
      throw new StartFailure(engineReason(e), e);
    }
    try {
      client().startContainerCmd(id).exec();
    } catch (DockerException e) {
      remove(id);
      throw new StartFailure(engineReason(e), e);
    }
    return id;
  }

  /** The engine's own explanation from an error response ({@code {"message": "..."}}). */
  private static String engineReason(DockerException e) {
    Matcher m = ENGINE_MESSAGE.matcher(String.valueOf(e.getMessage()));
    return m.find() ? m.group(1).replace("\\\"", "\"") : "HTTP " + e.getHttpStatus();
  }

  private String create(
      ContainerSpec spec, List<ExposedPort> exposed, HostConfig host, List<String> env, Map<String, String> labels) {
    return client()
        .createContainerCmd(spec.image())
        .withName(spec.name())
        .withEnv(env)
        .withLabels(labels)
        .withExposedPorts(exposed)
        .withHostConfig(host)
        .exec()
        .getId();
  }

  @Override
  public void start(String name) {
    try {
      client().startContainerCmd(name).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already running, or gone (the reconcile creates it)
    }
  }

  @Override
  public void stop(String name) {
    try {
      client().stopContainerCmd(name).withTimeout(10).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped, or gone
    }
  }

  @Override
  public void remove(String name) {
    try {
      client().removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // already gone
    }
  }

  @Override
  public String exec(String name, List<String> command) {
    String execId =
        client().execCreateCmd(name).withCmd(command.toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true).exec().getId();
    StringBuilder out = new StringBuilder();
    try {
      client()
          .execStartCmd(execId)
          .exec(
              new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                  out.append(new String(frame.getPayload(), java.nio.charset.StandardCharsets.UTF_8));
                }
              })
          .awaitCompletion(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out.toString();
  }

  @Override
  public void close() {
    if (client == null) {
      return;
    }
    try {
      client.close();
    } catch (java.io.IOException e) {
      // closing a local socket client; nothing to do
    }
  }
}
