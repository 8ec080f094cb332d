package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jujusim.ActionOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The actions of the packed charm against the real engine and registry (plain HTTP, no auth; see
 * {@link ActionsTlsAuthIT} for HTTPS and basic auth): push, images, rmi, stop/start, catalog,
 * delete and garbage-collect, with the disk under /srv/registry measured before and after.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ActionsIT {
  static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  SimUnit unit;
  String netloc;
  final List<String> localImages = new ArrayList<>();

  @BeforeAll
  void deploy() {
    unit = SimUnit.deploy("it-actions");
    unit.assertActive();
    netloc = unit.netloc();
  }

  @AfterAll
  void destroy() {
    if (unit != null) {
      for (String line : Cmd.lines(Cmd.run("docker", "images", "--format", "{{.Repository}}:{{.Tag}}").output())) {
        if (line.startsWith(netloc + "/") || line.startsWith("localhost:" + unit.port + "/")) {
          localImages.add(line);
        }
      }
      localImages.forEach(i -> Cmd.run("docker", "rmi", "-f", i));
      unit.close();
    }
  }

  @AfterEach
  void leftActive() {
    unit.assertActive();
  }

  @Test
  @Order(1)
  void pushOfALocalImageReturnsTheTagAndADigestToPullBy() throws IOException {
    String image = local(TestImages.random(unit.work, "it/actions-push:" + unit.name, 100_000));
    ActionOutcome push = run("push", Map.of("image", image, "pull", false));
    assertEquals("completed", push.status, push.message);
    String tag = netloc + "/it/actions-push:" + unit.name;
    assertEquals(tag, push.results.get("tag"));
    assertEquals("pushed " + tag, push.results.get("raw"));
    assertEquals("success", push.results.get("outcome"));
    String digest = (String) push.results.get("digest");
    assertTrue(DIGEST.matcher(digest).matches(), digest);
    assertEquals(digest, manifestDigest("it/actions-push", unit.name), "the digest the registry stores");

    Cmd.ok("docker", "rmi", tag);
    String byDigest = netloc + "/it/actions-push@" + digest;
    Cmd.ok("docker", "pull", byDigest);
    localImages.add(byDigest);
  }

  @Test
  @Order(2)
  void theDefaultTagUsesHttpHostsNetlocWhenSet() throws IOException {
    // localhost:<port> reaches the same registry, and dockerd treats it as insecure like 127.0.0.1.
    unit.config(Map.of("http-host", "http://localhost:" + unit.port + "/"), List.of());
    try {
      String image = local(TestImages.tiny(unit.work, "it/actions-host:" + unit.name));
      ActionOutcome push = run("push", Map.of("image", image, "pull", false));
      assertEquals("completed", push.status, push.message);
      assertEquals("localhost:" + unit.port + "/it/actions-host:" + unit.name, push.results.get("tag"));
      assertEquals(200, Http.send("GET", "http://" + netloc + "/v2/it/actions-host/manifests/" + unit.name,
          "Accept", "application/vnd.docker.distribution.manifest.v2+json").statusCode());
    } finally {
      unit.config(Map.of(), List.of("http-host"));
    }
  }

  @Test
  @Order(3)
  void imagesPrintsWhatDockerImagesPrintsWithDigestsAndFilters() {
    String repository = netloc + "/it/actions-push";
    ActionOutcome images = run("images", Map.of("repository", repository, "options", "--digests"));
    assertEquals("completed", images.status, images.message);
    String output = (String) images.results.get("output");
    String cli = Cmd.ok("docker", "images", "--digests", repository).strip();
    assertSameTable(cli, output);
    assertTrue(output.startsWith("REPOSITORY"), output);
    assertTrue(output.lines().skip(1).allMatch(l -> DIGEST.matcher(l).find()), "the pushed image has its digest: " + output);

    ActionOutcome filtered = run("images", Map.of("options", "-f reference=" + netloc + "/it/actions-* -f dangling=false"));
    assertEquals("completed", filtered.status, filtered.message);
    assertSameTable(Cmd.ok("docker", "images", "-f", "reference=" + netloc + "/it/actions-*", "-f", "dangling=false").strip(),
        (String) filtered.results.get("output"));

    // An image whose age cannot change between the two listings: the whole text is the CLI's.
    ActionOutcome registry = run("images", Map.of("repository", "registry:2", "options", "--digests --no-trunc"));
    assertEquals(Cmd.ok("docker", "images", "--digests", "--no-trunc", "registry:2").strip(), registry.results.get("output"));
  }

  @Test
  @Order(4)
  void badParametersFailWithTheReasonAndNoStackTrace() {
    ActionOutcome format = run("images", Map.of("options", "--format {{json .}}"));
    assertEquals("failed", format.status);
    assertEquals("Unsupported images option \"--format\"; accepted: -a, --all, --digests, -f KEY=VALUE, --filter KEY=VALUE, --no-trunc, -q, --quiet",
        format.message);
    assertEquals("Unsupported images filter \"until\"; accepted: before, dangling, label, reference, since (as KEY=VALUE)",
        run("images", Map.of("options", "--filter until=24h")).message);
    assertEquals("Unsupported rmi option \"--all-tags\"; accepted: --force, --no-prune, -f",
        run("rmi", Map.of("image", "x", "options", "--all-tags")).message);
    assertEquals("Not an image reference or id: \"Not/Valid\"; nothing was removed", run("rmi", Map.of("image", "it/x:1 Not/Valid")).message);
    assertEquals("image \"UPPER:1\" is not a valid image reference", run("push", Map.of("image", "UPPER:1")).message);
    assertEquals("repository \"a b\" is not a REPOSITORY[:TAG]", run("images", Map.of("repository", "a b")).message);
    // Juju checks actions.yaml's minimum and maximum itself: `juju run` refuses, the charm never runs.
    jujusim.SimException outOfRange = org.junit.jupiter.api.Assertions.assertThrows(jujusim.SimException.class,
        () -> run("catalog", Map.of("limit", 0)));
    assertEquals("validation failed: (root).limit : Must be greater than or equal to 1", outOfRange.getMessage());
    assertEquals("image \"it/x\" names no tag or digest; give NAME:TAG or NAME@DIGEST", run("delete", Map.of("image", "it/x")).message);
    assertEquals("image \"" + netloc + "/it/x:1\" is not NAME:TAG or NAME@DIGEST of this registry (no host)",
        run("delete", Map.of("image", netloc + "/it/x:1")).message);
    assertTrue(run("start", Map.of("name", "someone-else")).message.contains("is not this unit's registry"));
    // An image the unit does not have and cannot pull (no network here): docker-java's own log
    // of the failed pull would print a stack trace; the action says why instead.
    ActionOutcome unpullable = run("push", Map.of("image", "it-nowhere/none:1"));
    assertEquals("failed", unpullable.status);
    assertTrue(unpullable.message.startsWith("Could not push " + netloc + "/it-nowhere/none:1: "), unpullable.message);
  }

  @Test
  @Order(5)
  void rmiReportsEachImageAndAMissingOneIsNotFatal() throws IOException {
    String one = local(TestImages.tiny(unit.work, netloc + "/it/rmi-one:1"));
    String two = local(TestImages.tiny(unit.work, netloc + "/it/rmi-two:1"));
    String never = netloc + "/it/never-was:1";
    ActionOutcome rmi = run("rmi", Map.of("image", one + " " + never + " " + two));
    assertEquals("completed", rmi.status, rmi.message);
    assertEquals(one + " " + two, rmi.results.get("removed"));
    assertEquals(never, rmi.results.get("missing"));
    assertEquals("", rmi.results.get("failed"));
    assertEquals(List.of("Removed " + one, never + ": no such image", "Removed " + two), Cmd.lines((String) rmi.results.get("output")));
    assertEquals(1, Cmd.run("docker", "image", "inspect", one).exitCode(), "gone from the engine");
    assertEquals(1, Cmd.run("docker", "image", "inspect", two).exitCode());

    // An image a container uses is refused by the engine: that one fails the action, by name.
    String used = local(TestImages.tiny(unit.work, netloc + "/it/rmi-used:1"));
    String container = unit.name + "-uses-image";
    Cmd.ok("docker", "create", "--name", container, used);
    try {
      ActionOutcome refused = run("rmi", Map.of("image", used));
      assertEquals("failed", refused.status);
      assertEquals("Could not remove " + used, refused.message);
      assertTrue(((String) refused.results.get("output")).contains("container"), refused.results.toString());
    } finally {
      Cmd.run("docker", "rm", "-f", container);
    }
  }

  @Test
  @Order(6)
  void stopClosesThePortsAndKeepsTheUnitStoppedUntilStart() {
    int debug = TestNet.freePort();
    unit.config(Map.of("prometheus-metrics", true, "debug-port", debug), List.of());
    assertEquals(Set.of(unit.port + "/tcp", debug + "/tcp"), Set.copyOf(unit.sim.openedPorts(SimUnit.UNIT)));

    ActionOutcome stop = run("stop", Map.of());
    assertEquals("completed", stop.status, stop.message);
    assertEquals(Set.of(unit.port + "/tcp", debug + "/tcp"), Set.of(((String) stop.results.get("closed-ports")).split(" ")));
    assertStopped();
    for (String hook : List.of("update-status", "config-changed", "update-status")) {
      unit.hook(hook);
      assertStopped();
    }
    assertTrue(run("catalog", Map.of()).message.endsWith("was stopped with the stop action; run the start action first"));

    ActionOutcome start = run("start", Map.of());
    assertEquals("completed", start.status, start.message);
    unit.assertActive();
    assertEquals(Set.of(unit.port + "/tcp", debug + "/tcp"), Set.copyOf(unit.sim.openedPorts(SimUnit.UNIT)));
    assertEquals(200, Http.status("http://" + netloc + "/v2/"));
    unit.config(Map.of(), List.of("prometheus-metrics", "debug-port"));
  }

  private void assertStopped() {
    assertEquals("blocked", unit.status().status);
    assertEquals(unit.name + " container was stopped.", unit.status().message);
    assertEquals("", SimUnit.idAndStart(unit.name), "the container is gone");
    assertEquals(List.of(), unit.sim.openedPorts(SimUnit.UNIT), "no port open");
  }

  @Test
  @Order(7)
  void catalogListsRepositoriesAndTagsAcrossPages() throws IOException {
    String tiny = local(TestImages.tiny(unit.work, "it/actions-catalog:" + unit.name));
    for (String ref : List.of("it/cat-a:1", "it/cat-b:1", "it/cat-c:1", "it/cat-d:1", "it/cat-d:2", "it/cat-d:3")) {
      local(netloc + "/" + ref);
      Cmd.ok("docker", "tag", tiny, netloc + "/" + ref);
      Cmd.ok("docker", "push", netloc + "/" + ref);
    }
    List<String> all = allRepositories();
    assertTrue(all.size() >= 6, all.toString());

    ActionOutcome catalog = run("catalog", Map.of("limit", 2));
    assertEquals("completed", catalog.status, catalog.message);
    List<String> lines = Cmd.lines((String) catalog.results.get("output"));
    assertEquals("REPOSITORY", lines.get(0).split("\\s+")[0]);
    assertEquals(all, lines.stream().skip(1).map(l -> l.split("\\s+")[0]).toList(), "every repository, in the registry's order");
    assertTrue(lines.contains(padded("it/cat-d", "1 2 3", lines)), lines.toString());
    assertEquals(String.valueOf(all.size()), catalog.results.get("repositories"));
    int catalogPages = (all.size() + 1) / 2;
    assertTrue(Integer.parseInt((String) catalog.results.get("requests")) >= catalogPages + all.size(),
        "at least " + catalogPages + " catalog pages and one tags/list per repository: " + catalog.results);

    ActionOutcome one = run("catalog", Map.of("repository", "it/cat-d", "limit", 1));
    assertEquals("completed", one.status, one.message);
    assertEquals("3", one.results.get("tags"));
    ActionOutcome none = run("catalog", Map.of("repository", "it/not-here"));
    assertEquals("failed", none.status);
    assertEquals("Repository it/not-here is not in the registry", none.message);
  }

  @Test
  @Order(8)
  void deleteAndGarbageCollectFreeTheDiskWhileOtherImagesStillPull() throws IOException {
    String keep = push(TestImages.random(unit.work, "it/gc-keep:" + unit.name, 1_500_000), "it/gc-keep:1");
    String drop = push(TestImages.random(unit.work, "it/gc-drop:" + unit.name, 2_000_000), "it/gc-drop:1");
    String dropDigest = manifestDigest("it/gc-drop", "1");

    ActionOutcome refused = run("delete", Map.of("image", "it/gc-drop:1"));
    assertEquals("failed", refused.status);
    assertTrue(refused.message.startsWith("Deleting is off: the registry refuses deletes while storage-delete is false"), refused.message);

    unit.config(Map.of("storage-delete", true), List.of());
    ActionOutcome delete = run("delete", Map.of("image", "it/gc-drop:1"));
    assertEquals("completed", delete.status, delete.message);
    assertEquals(dropDigest, delete.results.get("digest"), "the tag was resolved to its manifest digest");
    assertEquals("1", delete.results.get("tags"));
    assertEquals("it/gc-drop", delete.results.get("repository"));
    ActionOutcome catalog = run("catalog", Map.of("repository", "it/gc-drop"));
    assertEquals("0", catalog.results.get("tags"), "the image is gone from the catalog: " + catalog.results);
    assertEquals("failed", run("delete", Map.of("image", "it/gc-drop@" + dropDigest)).status, "deleted already");

    String container = SimUnit.idAndStart(unit.name);
    long bytesBefore = diskBytes();
    ActionOutcome dry = run("garbage-collect", Map.of("dry-run", true));
    assertEquals("completed", dry.status, dry.message);
    assertEquals(bytesBefore, diskBytes(), "a dry run deletes nothing");
    assertEquals("0", dry.results.get("read-only-ms"));
    assertEquals(container, SimUnit.idAndStart(unit.name), "a dry run does not switch the registry to read-only");
    assertTrue(Long.parseLong((String) dry.results.get("bytes-eligible")) > 2_000_000, dry.results.toString());

    String before = containerId();
    double since = System.currentTimeMillis() / 1000.0;
    ActionOutcome gc = run("garbage-collect", Map.of());
    assertEquals("completed", gc.status, gc.message);
    assertCollectedInAReadOnlyContainer(before, since);
    long after = diskBytes();
    long freed = Long.parseLong((String) gc.results.get("bytes-freed"));
    long readOnly = Long.parseLong((String) gc.results.get("read-only-ms"));
    System.out.printf("garbage-collect: /srv/registry %d -> %d bytes (%d freed on disk), reported bytes-freed=%s blobs-freed=%s, read-only %d ms%n",
        bytesBefore, after, bytesBefore - after, freed, gc.results.get("blobs-freed"), readOnly);
    assertTrue(freed > 2_000_000, "the dropped layer's space: " + gc.results);
    assertTrue(bytesBefore - after >= freed, "measured under /srv/registry: " + bytesBefore + " -> " + after + ", reported " + freed);
    assertTrue(readOnly > 0 && readOnly < 60_000, gc.results.toString());
    assertTrue(unit.sim.statusHistory(SimUnit.UNIT).stream().anyMatch(s -> s.message.equals("Garbage collection running; the registry is read-only")));
    assertTrue(Files.readString(unit.configFile()).contains("readonly:\n      enabled: false"), "read-write again");
    assertFalse(unit.sim.effectiveConfig().containsKey("storage-read-only") && Boolean.TRUE.equals(unit.sim.effectiveConfig().get("storage-read-only")),
        "Juju's config was not changed");

    Cmd.ok("docker", "rmi", keep);
    Cmd.ok("docker", "pull", keep);
    Cmd.run("docker", "rmi", drop);
    assertNotEquals(0, Cmd.run("docker", "pull", drop).exitCode(), "the deleted image is gone");
    push(keep, "it/gc-keep:2"); // and pushes work again
    unit.config(Map.of(), List.of("storage-delete"));
  }

  @Test
  @Order(9)
  void garbageCollectRestoresReadWriteWhenTheCollectorFails() throws IOException {
    String image = push(TestImages.random(unit.work, "it/gc-fail:" + unit.name, 500_000), "it/gc-fail:1");
    String layer = layerDigest("it/gc-fail", "1");
    unit.config(Map.of("storage-delete", true), List.of());
    assertEquals("completed", run("delete", Map.of("image", "it/gc-fail:1")).status);
    // The registry runs without capabilities: root in the container cannot delete from a
    // directory without write permission, so the collector fails on this blob.
    Path shard = unit.root.resolve("srv/registry/docker/registry/v2/blobs/sha256/" + layer.substring(7, 9));
    Files.setPosixFilePermissions(shard, PosixFilePermissions.fromString("r-xr-xr-x"));
    ActionOutcome gc;
    try {
      gc = run("garbage-collect", Map.of());
    } finally {
      Files.setPosixFilePermissions(shard, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertEquals("failed", gc.status);
    // The blob it stopped at is one in that directory (the layer, or rarely another that shares it).
    assertTrue(gc.message.startsWith("Garbage collection failed: registry garbage-collect exited with 1: failed to delete blob sha256:"), gc.message);
    assertTrue(gc.message.contains("/blobs/sha256/" + layer.substring(7, 9) + "/"), layer + ": " + gc.message);
    assertTrue(gc.message.endsWith("permission denied; the registry is read-write again"), gc.message);
    assertTrue(Long.parseLong((String) gc.results.get("read-only-ms")) > 0, gc.results.toString());
    unit.assertActive();
    assertTrue(Files.readString(unit.configFile()).contains("readonly:\n      enabled: false"));
    push(image, "it/gc-fail:after"); // writable again
    assertEquals("completed", run("garbage-collect", Map.of()).status, "and a later run succeeds");
    unit.config(Map.of(), List.of("storage-delete"));
  }

  @Test
  @Order(10)
  void registryActionsFailClearlyWithTokenAuth() throws Exception {
    try (TokenIssuer issuer = TokenIssuer.start(unit.work.resolve("token"), "it-actions-issuer", "it-actions")) {
      unit.config(Map.of("auth-token-realm", issuer.realm(), "auth-token-service", issuer.service(), "auth-token-issuer", issuer.issuer(),
          "auth-token-root-certs", issuer.rootCertBundleBase64()), List.of());
      unit.assertActive();
      ActionOutcome catalog = run("catalog", Map.of());
      assertEquals("failed", catalog.status);
      assertEquals("The registry uses token authentication (auth-token-*): the charm has no token for its API; use a client with a token from "
          + issuer.realm(), catalog.message);
      assertEquals(catalog.message, run("delete", Map.of("image", "it/x:1")).message);
      unit.config(Map.of(), List.of("auth-token-realm", "auth-token-service", "auth-token-issuer", "auth-token-root-certs"));
    }
  }

  @Test
  @Order(11)
  void aCatalogTooBigForActionSetKeepsItsResultsInAFileOnTheUnit() throws Exception {
    int count = 3000; // about 165 kB of listing: one action-set argument may hold 128 KiB
    List<String> made = manyRepositories("hjuju-bulk/a-repository-with-a-rather-long-name-", count);

    ActionOutcome catalog = run("catalog", Map.of("limit", 1000));
    assertEquals("completed", catalog.status, catalog.message);
    for (Map.Entry<String, Object> e : catalog.results.entrySet()) {
      assertTrue(String.valueOf(e.getValue()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 100 * 1024, e.getKey() + " under 100 KiB");
    }
    int repositories = Integer.parseInt((String) catalog.results.get("repositories"));
    assertTrue(repositories >= count, catalog.results.toString());
    Path file = Path.of((String) catalog.results.get("output-file"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    List<String> listing = Files.readAllLines(file);
    assertEquals(repositories + 1, listing.size(), "the header and every repository");
    assertEquals(String.valueOf(listing.size()), catalog.results.get("output-lines"));
    List<String> listed = listing.stream().skip(1).map(l -> l.split("\\s+")[0]).toList();
    assertTrue(listed.containsAll(made), "every repository made is in the file");
    List<String> shown = Cmd.lines((String) catalog.results.get("output"));
    assertEquals(listing.get(0), shown.get(0), "the first lines are in the results");
    assertEquals(listing.get(1), shown.get(1));
    assertTrue(shown.get(shown.size() - 1).contains(file.toString()), "the output says where the rest is: " + shown.get(shown.size() - 1));
  }

  /**
   * {@code count} repositories through the registry's API, fast: one tiny config blob uploaded
   * once, mounted into each repository, and a manifest with no layers; in parallel.
   */
  private List<String> manyRepositories(String prefix, int count) throws Exception {
    String base = "http://" + netloc + "/v2/";
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String first = prefix + "0000";
    String digest = OciImages.uploadBlob(netloc, first, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + digest + "\",\"size\":" + config.length + "},\"layers\":[]}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
    List<String> names = java.util.stream.IntStream.range(0, count).mapToObj(i -> prefix + String.format("%04d", i)).toList();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (String repo : names) {
        done.add(pool.submit(() -> {
          if (!repo.equals(first)) {
            java.net.http.HttpResponse<String> mount = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                base + repo + "/blobs/uploads/?mount=" + digest + "&from=" + first)).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(201, mount.statusCode(), "mount into " + repo + ": " + mount.body());
          }
          java.net.http.HttpResponse<String> put = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + repo + "/manifests/1"))
              .header("Content-Type", "application/vnd.oci.image.manifest.v1+json").PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(manifest)).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
          assertEquals(201, put.statusCode(), "manifest of " + repo + ": " + put.body());
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return names;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private ActionOutcome run(String action, Map<String, Object> params) {
    ActionOutcome outcome = unit.sim.runAction(SimUnit.UNIT, action, params);
    assertEquals(0, outcome.exitCode, outcome + "\n" + outcome.stderr);
    assertFalse(outcome.stderr.contains("Exception"), "no stack trace: " + outcome.stderr);
    return outcome;
  }

  private String local(String image) {
    localImages.add(image);
    return image;
  }

  /** Tags a local image into the registry as {@code repoTag} and pushes it; returns the pushed name. */
  private String push(String image, String repoTag) {
    local(image);
    String ref = local(netloc + "/" + repoTag);
    Cmd.ok("docker", "tag", image, ref);
    Cmd.ok("docker", "push", ref);
    return ref;
  }

  private String manifestDigest(String repository, String tag) {
    HttpResponse<String> r = Http.send("HEAD", "http://" + netloc + "/v2/" + repository + "/manifests/" + tag,
        "Accept", "application/vnd.docker.distribution.manifest.v2+json");
    return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  private String layerDigest(String repository, String tag) {
    String manifest = Http.send("GET", "http://" + netloc + "/v2/" + repository + "/manifests/" + tag,
        "Accept", "application/vnd.docker.distribution.manifest.v2+json").body();
    Matcher m = Pattern.compile("\"layers\"\\s*:\\s*\\[\\s*\\{[^}]*\"digest\"\\s*:\\s*\"(sha256:[0-9a-f]{64})\"").matcher(manifest);
    assertTrue(m.find(), manifest);
    return m.group(1);
  }

  private List<String> allRepositories() {
    String body = Http.send("GET", "http://" + netloc + "/v2/_catalog?n=1000").body();
    Matcher m = Pattern.compile("\"repositories\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(body);
    assertTrue(m.find(), body);
    List<String> names = new ArrayList<>();
    Matcher name = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1));
    while (name.find()) {
      names.add(name.group(1));
    }
    return names;
  }

  /** The line of the catalog table for {@code repository}, as the action lays it out. */
  private static String padded(String repository, String tags, List<String> lines) {
    int column = lines.get(0).indexOf("TAGS");
    return repository + " ".repeat(column - repository.length()) + tags;
  }

  private String containerId() {
    return Cmd.ok("docker", "inspect", "-f", "{{.Id}}", unit.name).strip();
  }

  /**
   * The engine's record of the action (docker events, read back once it is over, so nothing
   * races): the collector ran in a container of its own, started after the one serving before
   * the action was stopped and stopped before the one serving now was started. That container is
   * the read-only registry (what storage-read-only does is checked in RegistryCharmIT).
   */
  private void assertCollectedInAReadOnlyContainer(String before, double since) {
    String after = containerId();
    double until = System.currentTimeMillis() / 1000.0 + 1;
    List<String[]> events = Cmd.lines(Cmd.ok("docker", "events", "--since", String.format(java.util.Locale.ROOT, "%.3f", since),
        "--until", String.format(java.util.Locale.ROOT, "%.3f", until), "--filter", "type=container", "--format", "{{.Actor.ID}} {{.Action}}"))
        .stream().map(l -> l.split(" ", 2)).toList();
    int gc = -1;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i)[1].startsWith("exec_start: /bin/registry garbage-collect")) {
        gc = i;
      }
    }
    assertTrue(gc >= 0, "no garbage-collect exec among the events");
    String collector = events.get(gc)[0];
    assertNotEquals(before, collector, "not the container that served before");
    assertNotEquals(after, collector, "not the one that serves now");
    int beforeDied = indexOf(events, before, "die");
    assertTrue(beforeDied >= 0 && beforeDied < gc, "the previous registry stopped before the run");
    assertTrue(indexOf(events, collector, "die") > gc, "the read-only one was stopped after it");
    assertTrue(indexOf(events, after, "start") > gc, "the read-write one started after it");
  }

  private static int indexOf(List<String[]> events, String id, String action) {
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i)[0].equals(id) && events.get(i)[1].equals(action)) {
        return i;
      }
    }
    return -1;
  }

  /** The bytes of every file under the unit's /srv/registry. */
  private long diskBytes() {
    try (Stream<Path> files = Files.walk(unit.root.resolve("srv/registry"))) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The same table as the CLI's: the same header and, row by row, the same columns but CREATED,
   * whose "N seconds ago" may move on between the two listings.
   */
  private static void assertSameTable(String cli, String action) {
    List<String> expected = cli.lines().toList();
    List<String> actual = action.lines().toList();
    assertEquals(expected.get(0), actual.get(0), "header");
    assertEquals(expected.size(), actual.size(), action + "\n---\n" + cli);
    for (int i = 1; i < expected.size(); i++) {
      assertEquals(withoutAge(expected.get(i)), withoutAge(actual.get(i)), action + "\n---\n" + cli);
    }
  }

  private static String withoutAge(String line) {
    return line.replaceAll("\\s{2,}", "|").replaceAll("\\|[^|]* ago\\|", "|AGE|");
  }
}
