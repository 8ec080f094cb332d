package charm.workload;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.nio.file.Path;
import java.time.Duration;

/** docker-java clients for the local engine's unix socket. */
public final class DockerClients {
  private DockerClients() {}

  /** A client for the engine behind {@code socket}; pulls and pushes may take long. */
  public static DockerClient connect(Path socket) {
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + socket).build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofMinutes(30))
            .build();
    return DockerClientImpl.getInstance(config, http);
  }
}
