package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jujusim.ActionOutcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The images' lifecycle on the real engine and registry, with multi-arch content made here (an
 * OCI index and a Docker manifest list, two platforms each, platform manifests untagged) and
 * pushed with skopeo: garbage-collect keeps every platform of every tagged image and removes what
 * nothing reaches; prune follows retention-policy; usage weighs repositories; pushes during a
 * collection never leave a tag that does not pull; an invalid policy blocks and changes nothing.
 * The unit keeps storage-delete=false: the charm's deletes go through its own switch.
 */
@Tag("docker")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageLifecycleIT {
  static final String OCI = "application/vnd.oci.image.index.v1+json";
  static final String LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

  SimUnit unit;
  String netloc;
  final List<String> pulled = new ArrayList<>();

  @BeforeAll
  void deploy() {
    unit = SimUnit.deploy("it-life");
    unit.assertActive();
    netloc = unit.netloc();
  }

  @AfterAll
  void destroy() {
    pulled.forEach(i -> Cmd.run("docker", "rmi", "-f", i));
    if (unit != null) {
      unit.close();
    }
  }

  /** Two platforms of one image, as an index of the given kind, pushed to repo:tag; returns the top digest. */
  private Multi multi(String name, String repoTag, boolean dockerList, Instant amd64, Instant arm64) {
    OciImages images = new OciImages(unit.work.resolve(name));
    OciImages.Written a = images.image("amd64", amd64, images.layer("amd64.bin", 200_000), images.layer("common.bin", 1_000));
    OciImages.Written b = images.image("arm64", arm64, images.layer("arm64.bin", 200_000));
    String top = images.push(images.index(a, b), netloc + "/" + repoTag, dockerList);
    String repo = repoTag.substring(0, repoTag.indexOf(':'));
    List<String> children = childDigests(repo, top);
    assertEquals(2, children.size(), "two platform manifests under " + repoTag);
    return new Multi(repo, repoTag, top, children);
  }

  record Multi(String repo, String repoTag, String digest, List<String> children) {}

  @Test
  @Order(0)
  void onARegistryNothingWasPushedToThereIsNothingToCollect() {
    String before = SimUnit.idAndStart(unit.name);
    ActionOutcome gc = run("garbage-collect", Map.of());
    assertEquals("completed", gc.status, gc.message);
    assertEquals("Nothing to collect: the registry stores no repository yet", gc.results.get("message"));
    assertEquals(before, SimUnit.idAndStart(unit.name), "no read-only switch");
    ActionOutcome usage = run("usage", Map.of());
    assertEquals("0", usage.results.get("repositories"), usage.results.toString());
  }

  @Test
  @Order(1)
  void garbageCollectKeepsEveryPlatformOfMultiArchImagesAndRemovesWhatNothingReaches() throws IOException {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    Multi oci = multi("gc-oci", "gc/oci:latest", false, t, t);
    Multi list = multi("gc-list", "gc/list:latest", true, t, t);
    assertEquals(OCI, mediaType(oci.repo(), "latest"));
    assertEquals(LIST, mediaType(list.repo(), "latest"));
    // An image made untagged by pushing another under its tag: nothing reaches it any more.
    OciImages single = new OciImages(unit.work.resolve("gc-single"));
    OciImages.Layer orphanLayer = single.layer("orphan.bin", 300_000);
    String orphan = single.push(single.image("amd64", t, orphanLayer), netloc + "/gc/app:1", false);
    String current = single.push(single.image("amd64", t, single.layer("current.bin", 1_000)), netloc + "/gc/app:1", false);

    // The registry's own --delete-untagged would take the platforms of both multi-arch images.
    String registryOwn = Cmd.ok("docker", "exec", unit.name, "/bin/registry", "garbage-collect", "--dry-run", "--delete-untagged",
        "/etc/docker/registry/config.yml");
    for (String child : oci.children()) {
      assertTrue(registryOwn.contains("manifest eligible for deletion: " + child), "registry 2.8's own flag deletes platform manifests:\n" + registryOwn);
    }

    ActionOutcome dry = run("garbage-collect", Map.of("dry-run", true));
    assertEquals("completed", dry.status, dry.message);
    assertEquals("1", dry.results.get("manifests-deleted"), dry.results.toString());
    assertEquals(200, manifestStatus("gc/app", orphan), "a dry run deletes nothing");

    ActionOutcome gc = run("garbage-collect", Map.of());
    assertEquals("completed", gc.status, gc.message);
    assertEquals("1", gc.results.get("manifests-deleted"), gc.results.toString());
    assertTrue(Long.parseLong((String) gc.results.get("bytes-freed")) >= orphanLayer.gz().length, gc.results.toString());
    assertTrue(Long.parseLong((String) gc.results.get("read-only-ms")) > 0, gc.results.toString());
    unit.assertActive();
    assertFalse(Files.readString(unit.configFile()).contains("delete:\n    enabled: true"), "storage-delete is off again");

    assertEquals(404, manifestStatus("gc/app", orphan), "the untagged image is gone");
    assertEquals(404, Http.status(base() + "/gc/app/blobs/" + orphanLayer.digest()), "and its layer");
    assertEquals(200, manifestStatus("gc/app", current));
    for (Multi m : List.of(oci, list)) {
      assertEquals(200, manifestStatus(m.repo(), m.digest()));
      for (String child : m.children()) {
        assertEquals(200, manifestStatus(m.repo(), child), m.repoTag() + " platform " + child);
      }
      pullEveryPlatform(m);
    }
  }

  @Test
  @Order(2)
  void pruneRemovesWhatThePolicyLetsGoAndNothingElse() throws IOException {
    Instant now = Instant.now();
    OciImages images = new OciImages(unit.work.resolve("prune"));
    Map<String, String> digests = new java.util.TreeMap<>();
    int[] daysAgo = {10, 8, 3, 1};
    for (int i = 0; i < daysAgo.length; i++) {
      String tag = "t" + (i + 1);
      digests.put(tag, images.push(images.image("amd64", now.minus(Duration.ofDays(daysAgo[i])), images.layer(tag + ".bin", 50_000)),
          netloc + "/ret/app:" + tag, false));
    }
    Cmd.ok("skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false", "docker://" + netloc + "/ret/app:t4", "docker://" + netloc + "/ret/app:latest");
    digests.put("keep-me", images.push(images.image("amd64", now.minus(Duration.ofDays(30)), images.layer("keep.bin", 50_000)), netloc + "/ret/app:keep-me", false));
    digests.put("nodate", images.push(images.image("amd64", null, images.layer("nodate.bin", 50_000)), netloc + "/ret/app:nodate", false));
    Multi old = multi("prune-multi", "ret/app:multi-old", false, now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(19)));
    String other = images.push(images.image("amd64", now.minus(Duration.ofDays(90)), images.layer("other.bin", 50_000)), netloc + "/other/app:old", false);

    ActionOutcome refused = run("prune", Map.of());
    assertEquals("failed", refused.status);
    assertTrue(refused.message.startsWith("retention-policy is empty"), refused.message);

    unit.config(Map.of("retention-policy", "- {repository: \"ret/*\", keep-last: 2, keep-tags: \"keep-.*\", older-than: 5d}"), List.of());
    unit.assertActive();
    ActionOutcome dry = run("prune", Map.of());
    assertEquals("completed", dry.status, dry.message);
    assertEquals("true", dry.results.get("dry-run"));
    assertEquals("3", dry.results.get("tags"), dry.results.toString());
    String output = (String) dry.results.get("output");
    assertTrue(output.contains("multi-old t1 t2"), output);
    assertTrue(output.contains("kept, no date: nodate"), output);
    assertFalse(output.contains("t3") || output.contains("t4") || output.contains("latest") || output.contains("other/app"), "kept tags are not listed: " + output);
    assertEquals("5", dry.results.get("manifests"), "t1, t2, the index and its two platforms: " + dry.results);
    assertTrue(Long.parseLong((String) dry.results.get("bytes")) > 400_000, dry.results.toString());
    assertEquals(200, manifestStatus("ret/app", digests.get("t1")), "a dry run removes nothing");

    ActionOutcome prune = run("prune", Map.of("dry-run", false));
    assertEquals("completed", prune.status, prune.message);
    assertEquals("5", prune.results.get("manifests-deleted"), prune.results.toString());
    assertTrue(Long.parseLong((String) prune.results.get("bytes-freed")) > 400_000, prune.results.toString());
    for (String gone : List.of("t1", "t2")) {
      assertEquals(404, manifestStatus("ret/app", digests.get(gone)), gone);
    }
    assertEquals(404, manifestStatus("ret/app", old.digest()));
    for (String child : old.children()) {
      assertEquals(404, manifestStatus("ret/app", child), "the removed index's platforms");
    }
    for (String kept : List.of("t3", "t4", "keep-me", "nodate")) {
      assertEquals(200, manifestStatus("ret/app", digests.get(kept)), kept);
      assertEquals(digests.get(kept), RegistryApi.manifestDigest(netloc, "ret/app", kept, "Accept", "application/vnd.oci.image.manifest.v1+json"));
    }
    assertEquals(200, manifestStatus("other/app", other), "a repository no rule matches is untouched");
    Cmd.ok("skopeo", "copy", "--src-tls-verify=false", "docker://" + netloc + "/ret/app:latest", "dir:" + unit.work.resolve("pulled-latest"));
    unit.assertActive();
  }

  @Test
  @Order(3)
  void usageWeighsOwnAndSharedBytes() {
    Instant t = Instant.parse("2026-02-01T00:00:00Z");
    OciImages images = new OciImages(unit.work.resolve("usage"));
    OciImages.Layer shared = images.layer("shared.bin", 120_000);
    OciImages.Layer a = images.layer("a.bin", 70_000);
    OciImages.Layer b = images.layer("b.bin", 90_000);
    OciImages.Written imageA = images.image("amd64", t, shared, a);
    images.push(imageA, netloc + "/use/a:1", false);
    images.push(imageA, netloc + "/use/a:2", false);
    images.push(images.image("amd64", t, shared, b), netloc + "/use/b:1", false);

    ActionOutcome usage = run("usage", Map.of());
    assertEquals("completed", usage.status, usage.message);
    String output = (String) usage.results.get("output");
    assertTrue(output.startsWith("REPOSITORY"), output);
    ActionOutcome one = run("usage", Map.of("repository", "use/a"));
    assertEquals("1", one.results.get("repositories"));
    assertEquals("2", one.results.get("tags"));
    String line = Cmd.lines((String) one.results.get("output")).get(1);
    assertTrue(line.matches("use/a\\s+2\\s+1\\s+.*"), line);
    long all = Long.parseLong((String) usage.results.get("bytes"));
    assertTrue(all >= shared.gz().length + a.gz().length + b.gz().length, usage.results.toString());
    for (String repo : List.of("use/a ", "use/b ")) {
      String row = Cmd.lines(output).stream().filter(l -> l.startsWith(repo)).findFirst().orElseThrow();
      assertTrue(row.trim().endsWith(" " + human(shared.gz().length)), repo + "shares exactly the common layer: " + row);
    }
    String rowB = Cmd.lines(output).stream().filter(l -> l.startsWith("use/b ")).findFirst().orElseThrow();
    assertTrue(rowB.matches("use/b\\s+1\\s+1\\s+9\\d(\\.\\d)?kB\\s+.*"), "its own layer, config and manifest: " + rowB);
    assertEquals(String.valueOf(usage.results.get("repositories")), String.valueOf(Cmd.lines(output).size() - 1));
    ActionOutcome bad = run("usage", Map.of("repository", "Not A Name"));
    assertEquals("failed", bad.status);
  }

  @Test
  @Order(4)
  void pushesDuringACollectionNeverLeaveATagThatDoesNotPull() throws Exception {
    Instant t = Instant.parse("2026-03-01T00:00:00Z");
    OciImages garbage = new OciImages(unit.work.resolve("load-garbage"));
    garbage.push(garbage.image("amd64", t, garbage.layer("g1.bin", 100_000)), netloc + "/load/garbage:1", false);
    garbage.push(garbage.image("amd64", t, garbage.layer("g2.bin", 100_000)), netloc + "/load/garbage:1", false);
    OciImages pushes = new OciImages(unit.work.resolve("load"));
    OciImages.Layer common = pushes.layer("common.bin", 100_000);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<String> pushed = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread pusher = new Thread(() -> {
      for (int i = 0; !stop.get() && i < 500; i++) {
        String tag = "p" + i;
        try {
          pushes.push(pushes.image("amd64", t, common, pushes.layer(tag + ".bin", 20_000)), netloc + "/load/img:" + tag, false);
          ok.incrementAndGet();
          pushed.add(tag);
        } catch (AssertionError e) {
          failed.incrementAndGet();
        }
        try {
          // A blob no manifest references: garbage as soon as it lands, whenever that is.
          OciImages.uploadBlob(netloc, "load/orphans", ("orphan " + i + " " + System.nanoTime()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (AssertionError e) {
          // refused while read-only
        }
      }
    });
    pusher.start();
    Poll.until(Duration.ofSeconds(60), () -> ok.get() >= 2, () -> "pushes before the collection");
    ActionOutcome gc;
    try {
      gc = run("garbage-collect", Map.of());
    } finally {
      int atEnd = ok.get() + failed.get();
      Poll.until(Duration.ofSeconds(60), () -> ok.get() + failed.get() >= atEnd + 2, () -> "pushes after the collection");
      stop.set(true);
      pusher.join(120_000);
    }
    assertEquals("completed", gc.status, gc.message);
    assertEquals(gc.results.get("blobs-eligible"), gc.results.get("blobs-freed"),
        "every blob the collector deleted is counted, also one uploaded after the action started: " + gc.results);
    System.out.printf("pushes during garbage-collect: %d ok, %d refused; read-only %s ms%n", ok.get(), failed.get(), gc.results.get("read-only-ms"));
    List<String> tags = tags("load/img");
    assertTrue(tags.containsAll(pushed), "every push that succeeded is listed");
    for (String tag : tags) {
      String digest = RegistryApi.manifestDigest(netloc, "load/img", tag, "Accept", "application/vnd.oci.image.manifest.v1+json");
      Path into = unit.work.resolve("check-" + tag);
      Cmd.ok("skopeo", "copy", "--src-tls-verify=false", "docker://" + netloc + "/load/img@" + digest, "dir:" + into);
      TestFiles.deleteTree(into);
    }
  }

  @Test
  @Order(5)
  void anInvalidPolicyBlocksNamingTheOptionAndTheRegistryKeepsServing() {
    String before = SimUnit.idAndStart(unit.name);
    unit.config(Map.of("retention-policy", "- {repository: \"*\", keep-tags: \"(\"}"), List.of());
    assertEquals("blocked", unit.status().status);
    assertTrue(unit.status().message.startsWith("Invalid charm config: retention-policy"), unit.status().message);
    assertEquals(before, SimUnit.idAndStart(unit.name), "the registry is untouched");
    assertEquals(200, Http.status(base() + "/"));
    unit.config(Map.of(), List.of("retention-policy"));
    unit.assertActive();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private String base() {
    return "http://" + netloc + "/v2";
  }

  private ActionOutcome run(String action, Map<String, Object> params) {
    ActionOutcome outcome = unit.sim.runAction(SimUnit.UNIT, action, params);
    assertEquals(0, outcome.exitCode, outcome + "\n" + outcome.stderr);
    assertFalse(outcome.stderr.contains("Exception"), "no stack trace: " + outcome.stderr);
    return outcome;
  }

  private int manifestStatus(String repo, String digest) {
    HttpResponse<String> r = Http.send("HEAD", base() + "/" + repo + "/manifests/" + digest, "Accept", String.join(",", OCI, LIST,
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"));
    return r == null ? -1 : r.statusCode();
  }

  private String mediaType(String repo, String tag) {
    HttpResponse<String> r = Http.send("GET", base() + "/" + repo + "/manifests/" + tag, "Accept", OCI + "," + LIST);
    return r.headers().firstValue("Content-Type").orElse("");
  }

  private List<String> childDigests(String repo, String digest) {
    HttpResponse<String> r = Http.send("GET", base() + "/" + repo + "/manifests/" + digest, "Accept", OCI + "," + LIST);
    List<String> out = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"digest\":\"(sha256:[0-9a-f]{64})\"").matcher(r.body());
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private List<String> tags(String repo) {
    String body = Http.send("GET", base() + "/" + repo + "/tags/list?n=1000").body();
    List<String> out = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"(p\\d+)\"").matcher(body);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** {@code docker pull --platform} of each platform of a multi-arch tag. */
  private void pullEveryPlatform(Multi m) {
    String ref = netloc + "/" + m.repoTag();
    for (String platform : List.of("linux/amd64", "linux/arm64")) {
      Cmd.ok("docker", "pull", "--platform", platform, ref);
      String arch = Cmd.ok("docker", "image", "inspect", "-f", "{{.Architecture}}", ref).strip();
      assertEquals(platform.substring(6), arch, ref);
      Cmd.ok("docker", "rmi", ref);
    }
  }

  /** The usage table's size format (the charm's Human.size). */
  private static String human(long bytes) {
    return charm.actions.Human.size(bytes);
  }
}
