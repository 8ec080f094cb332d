package charm.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DockerEngineInstallerTest {
  @TempDir Path tmp;

  private DockerEngineInstaller installer(Duration deadline, List<String>... commands) {
    return new DockerEngineInstaller(tmp.resolve("docker.sock"), List.of(commands), deadline);
  }

  @Test
  void succeedsWhenEveryCommandDoes() {
    assertNull(installer(Duration.ofSeconds(10), List.of("true"), List.of("true")).install());
  }

  @Test
  void aFailingCommandNamesItselfAndItsLastLine() {
    String error = installer(Duration.ofSeconds(10), List.of("true"), List.of("sh", "-c", "echo working; echo 'E: Unable to locate package docker.io'; exit 100")).install();
    assertEquals("sh -c echo working; echo 'E: Unable to locate package docker.io'; exit 100 failed: E: Unable to locate package docker.io", error);
  }

  @Test
  void aCommandThatHangsIsKilledAtTheDeadline() throws Exception {
    Path pid = tmp.resolve("pid");
    long start = System.nanoTime();
    String error = installer(Duration.ofMillis(500), List.of("sh", "-c", "echo $$ > " + pid + "; exec sleep 1000")).install();
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < 5000, "gave up after " + millis + " ms");
    assertTrue(error.endsWith(" did not finish within 500 ms and was killed"), error);
    ProcessHandle hung = ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).orElse(null);
    assertTrue(hung == null || !hung.isAlive(), "the command is gone");
  }

  @Test
  void defaultsLeaveAptTimeToWork() {
    assertEquals(Duration.ofMinutes(15), DockerEngineInstaller.DEADLINE);
  }
}
