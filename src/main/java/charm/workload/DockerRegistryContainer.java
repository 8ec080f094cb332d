package charm.workload;

import charm.registry.ContainerSpec;
import charm.registry.Owner;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.StreamType;
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

  /** After a command's output ends, how long the engine may take to record its exit code. */
  private static final Duration EXIT_CODE_WAIT = Duration.ofSeconds(10);

  /** Longest log line kept by {@link #logTail} (a line is cut there). */
  private static final int MAX_LOG_LINE = 1000;
  /** Longest line {@link #logSince} gives (with its timestamp); a line is cut there. */
  private static final int MAX_COPIED_LINE = 16_384;

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
  public Optional<ContainerState> inspect(String nameOrId) {
    DockerSocket.Response r = reads.get("/containers/" + DockerSocket.encode(nameOrId) + "/json");
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw new IllegalStateException("inspecting container " + nameOrId + ": HTTP " + r.status());
    }
    Map<String, Object> body = r.object();
    Map<String, String> labels = new LinkedHashMap<>();
    if (DockerSocket.path(body, "Config", "Labels") instanceof Map<?, ?> raw) {
      raw.forEach((k, v) -> labels.put(String.valueOf(k), String.valueOf(v)));
    }
    List<ContainerState.MountInfo> mounts = new ArrayList<>();
    if (body.get("Mounts") instanceof List<?> list) {
      for (Object m : list) {
        mounts.add(new ContainerState.MountInfo(
            text(DockerSocket.path(m, "Type")), text(DockerSocket.path(m, "Source")), text(DockerSocket.path(m, "Destination"))));
      }
    }
    Object exitCode = DockerSocket.path(body, "State", "ExitCode");
    List<String> command = new ArrayList<>();
    if (DockerSocket.path(body, "Config", "Cmd") instanceof List<?> cmd) {
      cmd.forEach(a -> command.add(String.valueOf(a)));
    }
    Map<String, String> env = new LinkedHashMap<>();
    if (DockerSocket.path(body, "Config", "Env") instanceof List<?> vars) {
      for (Object v : vars) {
        String entry = String.valueOf(v);
        int eq = entry.indexOf('=');
        env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
      }
    }
    return Optional.of(
        new ContainerState(
            String.valueOf(body.get("Id")),
            String.valueOf(body.get("Name")).replaceFirst("^/", ""),
            Boolean.TRUE.equals(DockerSocket.path(body, "State", "Running")),
            Boolean.TRUE.equals(DockerSocket.path(body, "State", "Restarting")),
            exitCode instanceof Number n ? n.intValue() : 0,
            body.get("RestartCount") instanceof Number n ? n.intValue() : 0,
            text(DockerSocket.path(body, "State", "Error")),
            labels.get(ContainerSpec.HASH_LABEL),
            text(DockerSocket.path(body, "State", "StartedAt")),
            text(DockerSocket.path(body, "State", "FinishedAt")),
            labels,
            mounts,
            text(body.get("Image")),
            text(DockerSocket.path(body, "State", "Status")),
            Boolean.TRUE.equals(DockerSocket.path(body, "State", "Paused")),
            command,
            env,
            text(DockerSocket.path(body, "Config", "Image"))));
  }

  private static String text(Object value) {
    return value == null ? "" : String.valueOf(value);
  }

  @Override
  public List<String> managedContainers(Owner owner) {
    StringBuilder filter = new StringBuilder("{\"label\":[");
    String sep = "";
    for (Map.Entry<String, String> label : owner.labels().entrySet()) {
      filter.append(sep).append('"').append(jsonEscape(label.getKey() + "=" + label.getValue())).append('"');
      sep = ",";
    }
    filter.append("]}");
    DockerSocket.Response r = reads.get("/containers/json?all=1&filters=" + DockerSocket.encode(filter.toString()));
    if (r.status() != 200) {
      throw new IllegalStateException("listing containers: HTTP " + r.status());
    }
    List<String> names = new ArrayList<>();
    if (r.body() instanceof List<?> containers) {
      for (Object c : containers) {
        // The engine filters by label already; checking again costs nothing.
        Map<String, String> labels = new LinkedHashMap<>();
        if (DockerSocket.path(c, "Labels") instanceof Map<?, ?> raw) {
          raw.forEach((k, v) -> labels.put(String.valueOf(k), String.valueOf(v)));
        }
        if (owner.owns(labels) && DockerSocket.path(c, "Names") instanceof List<?> aliases && !aliases.isEmpty()) {
          names.add(String.valueOf(aliases.get(0)).replaceFirst("^/", ""));
        }
      }
    }
    return names;
  }

  private static String jsonEscape(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  @Override
  public Optional<String> imageId(String image) {
    DockerSocket.Response r = reads.get("/images/" + image + "/json");
    if (r.status() == 404) {
      return Optional.empty();
    }
    if (r.status() != 200) {
      throw new IllegalStateException("inspecting image " + image + ": HTTP " + r.status());
    }
    return Optional.of(text(r.object().get("Id")));
  }

  @Override
  public List<String> load(Path tarball, Consumer<String> progress) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(tarball)) {
      return DockerImages.load(client(), in, progress);
    } catch (java.io.IOException e) {
      throw new StartFailure("cannot read " + tarball + ": " + e.getMessage(), e);
    } catch (DockerException e) {
      throw new StartFailure(engineReason(e), e);
    }
  }

  @Override
  public void pull(String image, Consumer<String> progress) {
    DockerImages.pull(client(), image, progress);
  }

  @Override
  public String create(ContainerSpec spec) {
    // Mounts, not Binds: with a bind "mount" the engine refuses a missing source instead of
    // creating a directory in its place (a deleted config.yml must not come back as a folder).
    List<Mount> mounts = new ArrayList<>();
    for (ContainerSpec.Mount m : spec.mounts()) {
      mounts.add(new Mount().withType(MountType.BIND).withSource(files.resolve(m.hostPath()).toString())
          .withTarget(m.containerPath()).withReadOnly(m.readOnly()));
    }
    List<PortBinding> portBindings = new ArrayList<>();
    List<ExposedPort> exposed = new ArrayList<>();
    for (ContainerSpec.PortMapping p : spec.ports()) {
      ExposedPort port = ExposedPort.tcp(p.containerPort());
      exposed.add(port);
      Ports.Binding binding = p.hostIp().isEmpty() ? Ports.Binding.bindPort(p.hostPort()) : Ports.Binding.bindIpAndPort(p.hostIp(), p.hostPort());
      portBindings.add(new PortBinding(binding, port));
    }
    Map<String, String> tmpfs = new LinkedHashMap<>();
    spec.tmpfs().forEach(t -> tmpfs.put(t, "rw,nosuid,nodev,noexec,size=64m"));
    HostConfig host =
        HostConfig.newHostConfig()
            .withMounts(mounts)
            .withPortBindings(portBindings)
            .withRestartPolicy(RestartPolicy.unlessStoppedRestart())
            .withTmpFs(tmpfs)
            .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE, ContainerSpec.logOptions()));
    if (spec.hardened()) {
      // The registry needs no capability: it runs as root, owns its files and listens on 5000.
      host.withSecurityOpts(List.of("no-new-privileges:true"))
          .withCapDrop(Capability.ALL)
          .withReadonlyRootfs(true);
    }
    List<String> env = new ArrayList<>();
    spec.env().forEach((k, v) -> env.add(k + "=" + v));
    try {
      CreateContainerCmd create = client()
          .createContainerCmd(spec.image())
          .withName(spec.name())
          .withEnv(env)
          .withLabels(spec.labels())
          .withExposedPorts(exposed)
          .withHostConfig(host);
      if (!spec.command().isEmpty()) {
        create.withCmd(spec.command()); // else the image's default
      }
      return create.exec().getId();
    } catch (DockerException e) {
      throw new StartFailure(engineReason(e), e);
    }
  }

  /** The engine's own explanation from an error response ({@code {"message": "..."}}). */
  static String engineReason(DockerException e) {
    Matcher m = ENGINE_MESSAGE.matcher(String.valueOf(e.getMessage()));
    return m.find() ? m.group(1).replace("\\\"", "\"") : "HTTP " + e.getHttpStatus();
  }

  @Override
  public boolean start(String nameOrId) {
    try {
      client().startContainerCmd(nameOrId).exec();
      return true;
    } catch (NotModifiedException e) {
      return true; // already running
    } catch (NotFoundException e) {
      return false;
    } catch (DockerException e) {
      throw new StartFailure(engineReason(e), e);
    }
  }

  @Override
  public void stop(String nameOrId, int timeoutSeconds) {
    try {
      client().stopContainerCmd(nameOrId).withTimeout(timeoutSeconds).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped, or gone
    }
  }

  @Override
  public void rename(String nameOrId, String newName) {
    client().renameContainerCmd(nameOrId).withName(newName).exec();
  }

  @Override
  public void remove(String nameOrId) {
    try {
      // Never withRemoveVolumes: a volume may hold somebody's images.
      client().removeContainerCmd(nameOrId).withForce(true).exec();
    } catch (NotFoundException e) {
      // already gone
    }
  }

  @Override
  public List<String> logTail(String nameOrId, int lines) {
    DockerSocket.Response r = reads.get("/containers/" + DockerSocket.encode(nameOrId) + "/logs?stdout=1&stderr=1&tail=" + lines);
    return r.status() == 200 ? LogStream.lines(r.text(), MAX_LOG_LINE) : List.of();
  }

  @Override
  public List<String> logSince(String nameOrId, String since, int lines) {
    DockerSocket.Response r = reads.get("/containers/" + DockerSocket.encode(nameOrId) + "/logs?stdout=1&stderr=1&timestamps=1&since="
        + DockerSocket.encode(since) + "&tail=" + lines);
    return r.status() == 200 ? LogStream.lines(r.text(), MAX_COPIED_LINE) : List.of();
  }

  @Override
  public String exec(String nameOrId, List<String> command) {
    String execId =
        client().execCreateCmd(nameOrId).withCmd(command.toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true).exec().getId();
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
  public int exec(String nameOrId, List<String> command, Duration timeout, OutputLines lines) {
    String execId =
        client().execCreateCmd(nameOrId).withCmd(command.toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true).exec().getId();
    Lines out = new Lines(false, lines);
    Lines err = new Lines(true, lines);
    ResultCallback.Adapter<Frame> callback =
        client()
            .execStartCmd(execId)
            .exec(
                new ResultCallback.Adapter<Frame>() {
                  @Override
                  public void onNext(Frame frame) {
                    (frame.getStreamType() == StreamType.STDERR ? err : out).add(frame.getPayload());
                  }
                });
    try {
      if (!callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        closeQuietly(callback);
        throw new IllegalStateException(command.get(0) + " did not end within " + timeout.toMinutes() + " min");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(callback);
      throw new IllegalStateException(command.get(0) + " was interrupted", e);
    }
    out.flush();
    err.flush();
    return exitCode(execId, command.get(0));
  }

  /** The exit code the engine records once the command's output has ended (it may lag a little). */
  private int exitCode(String execId, String what) {
    long deadline = System.nanoTime() + EXIT_CODE_WAIT.toNanos();
    while (true) {
      Long code = client().inspectExecCmd(execId).exec().getExitCodeLong();
      if (code != null) {
        return code.intValue();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " closed its output but did not end within " + EXIT_CODE_WAIT.toSeconds() + " s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(what + " was interrupted", e);
      }
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (java.io.IOException e) {
      // the stream is being abandoned anyway
    }
  }

  /** Splits one output stream into lines; frames may end anywhere in a line. */
  private static final class Lines {
    private final boolean stderr;
    private final OutputLines sink;
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

    Lines(boolean stderr, OutputLines sink) {
      this.stderr = stderr;
      this.sink = sink;
    }

    void add(byte[] payload) {
      for (byte b : payload) {
        if (b == '\n') {
          flush();
        } else {
          pending.write(b);
        }
      }
    }

    void flush() {
      if (pending.size() > 0) {
        sink.line(stderr, pending.toString(java.nio.charset.StandardCharsets.UTF_8).stripTrailing());
        pending.reset();
      }
    }
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
