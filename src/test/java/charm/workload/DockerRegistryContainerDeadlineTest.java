package charm.workload;

import static charm.workload.DockerClientsTest.unavailable;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import charm.registry.ContainerSpec;
import charm.registry.Owner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every {@link DockerRegistryContainer} operation against an engine that accepts and never answers. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DockerRegistryContainerDeadlineTest {
  @TempDir Path tmp;
  FakeEngine engine;
  DockerRegistryContainer docker;

  @BeforeEach
  void start() {
    engine = FakeEngine.start(tmp.resolve("docker.sock"), FakeEngine.SILENT);
    docker = new DockerRegistryContainer(engine.socket(), new HostFiles(tmp), Duration.ofMillis(300));
  }

  @AfterEach
  void stop() {
    docker.close();
    engine.close();
  }

  @Test
  void engineAnswersIsFalseWithinTheDeadline() {
    long start = System.nanoTime();
    assertFalse(docker.engineAnswers());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void readsThrowEngineUnavailable() {
    unavailable(() -> docker.inspect("it-x"));
    unavailable(() -> docker.managedContainers(new Owner("m", "docker-registry", "docker-registry/0")));
    unavailable(() -> docker.imagePresent("registry:2"));
    unavailable(() -> docker.logTail("it-x", 50));
  }

  @Test
  void changesThrowEngineUnavailable() {
    unavailable(() -> docker.pull("registry:2", line -> {}));
    unavailable(() -> docker.start("it-x"));
    unavailable(() -> docker.stop("it-x", 1));
    unavailable(() -> docker.rename("it-x", "it-y"));
    unavailable(() -> docker.remove("it-x"));
    unavailable(() -> docker.exec("it-x", List.of("/bin/registry", "--version")));
  }

  @Test
  void createIsUnavailableNotAStartFailure() {
    ContainerSpec spec =
        new ContainerSpec(
            "registry:2", List.of("serve", "/etc/docker/registry/config.yml"), "it-x", Map.of(), List.of(), List.of(new ContainerSpec.PortMapping(5000, 5000)), List.of(), true, "d",
            new Owner("m", "docker-registry", "docker-registry/0"));
    unavailable(() -> docker.create(spec));
  }
}
