package charm.workload;

import charm.registry.ContainerSpec;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
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
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** {@link RegistryContainer} over the local Docker engine's API, with docker-java. */
public final class DockerRegistryContainer implements RegistryContainer {
  /** The engine socket on every unit. */
  public static final String DOCKER_HOST = "unix:///var/run/docker.sock";

  private final DockerClient client;
  private final HostFiles files;

  /**
   * @param dockerHost the engine's address
   * @param files resolves the unit paths of bind mounts to host paths
   */
  public DockerRegistryContainer(String dockerHost, HostFiles files) {
    this.files = files;
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofMinutes(10))
            .build();
    this.client = DockerClientImpl.getInstance(config, http);
  }

  @Override
  public boolean engineAnswers() {
    try {
      client.pingCmd().exec();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public Optional<ContainerState> inspect(String name) {
    try {
      InspectContainerResponse r = client.inspectContainerCmd(name).exec();
      InspectContainerResponse.ContainerState s = r.getState();
      Map<String, String> labels = r.getConfig().getLabels();
      String hash = labels == null ? null : labels.get(ContainerSpec.HASH_LABEL);
      Long exit = s.getExitCodeLong();
      return Optional.of(
          new ContainerState(
              r.getId(),
              r.getName().replaceFirst("^/", ""),
              Boolean.TRUE.equals(s.getRunning()),
              Boolean.TRUE.equals(s.getRestarting()),
              exit == null ? 0 : exit.intValue(),
              hash,
              s.getStartedAt()));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<String> managedContainers(String unitName) {
    List<String> names = new ArrayList<>();
    client
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(ContainerSpec.OWNER_LABEL, unitName))
        .exec()
        .forEach(c -> names.add(c.getNames()[0].replaceFirst("^/", "")));
    return names;
  }

  @Override
  public boolean imagePresent(String image) {
    try {
      client.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  @Override
  public void pull(String image, Consumer<String> progress) {
    ResultCallback.Adapter<PullResponseItem> callback =
        new ResultCallback.Adapter<>() {
          private String last = "";

          @Override
          public void onNext(PullResponseItem item) {
            String line = item.getStatus();
            if (line != null && item.getProgressDetail() == null && !line.equals(last)) {
              last = line;
              progress.accept(line + (item.getId() == null ? "" : " " + item.getId()));
            }
          }
        };
    try {
      client.pullImageCmd(image).exec(callback).awaitCompletion(30, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pulling " + image, e);
    }
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
    }
    client.startContainerCmd(id).exec();
    return id;
  }

  private String create(
      ContainerSpec spec, List<ExposedPort> exposed, HostConfig host, List<String> env, Map<String, String> labels) {
    return client
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
      client.startContainerCmd(name).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already running, or gone (the reconcile creates it)
    }
  }

  @Override
  public void stop(String name) {
    try {
      client.stopContainerCmd(name).withTimeout(10).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped, or gone
    }
  }

  @Override
  public void remove(String name) {
    try {
      client.removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // already gone
    }
  }

  @Override
  public String exec(String name, List<String> command) {
    String execId =
        client.execCreateCmd(name).withCmd(command.toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true).exec().getId();
    StringBuilder out = new StringBuilder();
    try {
      client
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
    try {
      client.close();
    } catch (java.io.IOException e) {
      // closing a local socket client; nothing to do
    }
  }
}
