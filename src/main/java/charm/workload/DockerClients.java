package charm.workload;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.nio.file.Path;
import java.time.Duration;

/**
 * docker-java clients for the local engine's unix socket, with deadlines (see {@link
 * DeadlineHttpClient}): {@link #RESPONSE_TIMEOUT} for the response headers of any call and {@link
 * #READ_TIMEOUT} between two reads of a body. Pulls and pushes stream progress, so they may run as
 * long as the engine keeps sending; one that goes silent fails with {@link EngineUnavailable}.
 */
public final class DockerClients {
  /** Connect, request and response headers. Stopping a container may take its 10 s grace and more. */
  static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(90);

  /** Between two reads of a response body (pull and push progress, exec output). */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(90);

  private static volatile boolean connected;

  private DockerClients() {}

  /** Whether this process created a docker-java client (it changed something on the engine). */
  public static boolean connected() {
    return connected;
  }

  /** A client for the engine behind {@code socket}. */
  public static DockerClient connect(Path socket) {
    return connect(socket, RESPONSE_TIMEOUT, READ_TIMEOUT);
  }

  /** For tests: shorter deadlines. */
  static DockerClient connect(Path socket, Duration response, Duration read) {
    connected = true;
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + socket).build();
    // The transport's own timeouts do not reach a unix socket (DeadlineHttpClient says why); they
    // are set anyway for the day they do.
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .connectionTimeout(response)
            .responseTimeout(response)
            .build();
    return DockerClientImpl.getInstance(config, new DeadlineHttpClient(http, socket, response, read));
  }
}
