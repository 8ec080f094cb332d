package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The container's command is always {@code serve /etc/docker/registry/config.yml}, so the registry
 * serves the charm's configuration from any image, also one whose default command reads another
 * file: registry 3 images run {@code /etc/distribution/config.yml}, their own example (no auth,
 * deletes on). No such image can be pulled here, so the test builds one offline from the local
 * {@code registry:2}: that default command and its own configuration there, which answers with a
 * header of its own and accepts deletes.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerCommandIT {
  static final String IMAGE_HEADER = "X-It-Cmd";
  /** A manifest digest that no repository has. */
  static final String UNKNOWN_DIGEST = "sha256:" + "0".repeat(64);

  Path work;
  String image;

  @BeforeAll
  void buildImageWithAnotherDefaultConfig() throws IOException {
    work = Files.createTempDirectory("it-cmd-image");
    Files.writeString(work.resolve("config.yml"), String.join("\n",
        "version: 0.1",
        "http:",
        "  addr: :5000",
        "  headers:",
        "    " + IMAGE_HEADER + ": [image-default-config]",
        "storage:",
        "  filesystem:",
        "    rootdirectory: /var/lib/registry",
        "  delete:",
        "    enabled: true",
        ""));
    Files.writeString(work.resolve("Dockerfile"), String.join("\n",
        "FROM registry:2",
        "COPY config.yml /etc/distribution/config.yml",
        "CMD [\"serve\", \"/etc/distribution/config.yml\"]",
        ""));
    image = "it-cmd-distribution-default:" + UUID.randomUUID().toString().substring(0, 8);
    // The classic builder uses the local registry:2 as it is; nothing is pulled.
    Cmd build = Cmd.runWithEnv(Map.of("DOCKER_BUILDKIT", "0"), "docker", "build", "-q", "-t", image, work.toString());
    assertEquals(0, build.exitCode(), build.output());
    assertEquals("[\"serve\",\"/etc/distribution/config.yml\"]", Cmd.ok("docker", "image", "inspect", "-f", "{{json .Config.Cmd}}", image).trim());
  }

  @AfterAll
  void removeImage() {
    if (image != null) {
      Cmd.run("docker", "rmi", image);
    }
    if (work != null) {
      Cmd.run("rm", "-rf", work.toString());
    }
  }

  /** The image really behaves otherwise when it runs its own default: the header, and deletes accepted. */
  @Test
  void runWithItsDefaultCommandTheImageServesItsOwnConfig() throws IOException {
    String name = "it-cmd-default-" + UUID.randomUUID().toString().substring(0, 8);
    int port = RegistryCharmIT.freePort();
    Cmd.ok("docker", "run", "-d", "--name", name, "-p", "127.0.0.1:" + port + ":5000", image);
    try {
      String base = "http://127.0.0.1:" + port;
      Http.await(base + "/v2/", status -> status == 200, Duration.ofSeconds(20));
      assertEquals(Optional.of("image-default-config"), Http.send("GET", base + "/v2/").headers().firstValue(IMAGE_HEADER));
      assertEquals(404, deleteStatus(base), "deletes are on: an unknown manifest is simply not found");
    } finally {
      Cmd.run("docker", "rm", "-f", name);
    }
  }

  @Test
  void theUnitServesTheCharmsConfigFromThatImage() {
    try (SimUnit unit = SimUnit.deploy("it-cmd")) {
      unit.assertActive();
      String before = SimUnit.idAndStart(unit.name);
      unit.config(Map.of("registry-image", image), List.of());
      unit.assertActive();
      assertTrue(!before.equals(SimUnit.idAndStart(unit.name)), "replaced by a container of the new image");
      assertEquals(image, Cmd.ok("docker", "inspect", "-f", "{{.Config.Image}}", unit.name).trim());
      assertEquals("[\"serve\",\"/etc/docker/registry/config.yml\"]", Cmd.ok("docker", "inspect", "-f", "{{json .Config.Cmd}}", unit.name).trim());

      String base = "http://127.0.0.1:" + unit.port;
      HttpResponse<String> v2 = Http.send("GET", base + "/v2/");
      assertNotNull(v2, "the registry answers on the charm's port");
      assertEquals(200, v2.statusCode());
      assertEquals(Optional.of("registry/2.0"), v2.headers().firstValue("Docker-Distribution-Api-Version"));
      assertEquals(Optional.empty(), v2.headers().firstValue(IMAGE_HEADER), "not the image's config");
      assertEquals(Optional.of("nosniff"), v2.headers().firstValue("X-Content-Type-Options"), "the charm's header");
      assertEquals(405, deleteStatus(base), "storage-delete=false: the registry refuses deletes");

      unit.config(Map.of("storage-delete", true), List.of());
      unit.assertActive();
      assertEquals(404, deleteStatus(base), "the charm's option, not the image's file, turns deletes on");

      unit.config(Map.of(), List.of("registry-image", "storage-delete"));
      unit.assertActive();
      assertEquals("registry:2", Cmd.ok("docker", "inspect", "-f", "{{.Config.Image}}", unit.name).trim());
    }
  }

  private static int deleteStatus(String base) {
    HttpResponse<String> r = Http.send("DELETE", base + "/v2/it/cmd/manifests/" + UNKNOWN_DIGEST);
    assertNotNull(r, "DELETE got no answer");
    return r.statusCode();
  }
}
