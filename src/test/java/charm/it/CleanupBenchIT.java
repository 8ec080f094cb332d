package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jujusim.ActionOutcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Not a test: the numbers of scripts/bench-cleanup. A unit on filesystem storage is filled through
 * the registry's API with {@code bench.repos} repositories of {@code bench.tags} tags each (every
 * image: one layer of its own, a config, a manifest: three blobs), and as many images again made
 * untagged; then usage, garbage-collect (dry run and real) and the same again, with the wall time
 * of each action and the read-only window printed. Excluded from the test run (tag "bench").
 */
@Tag("bench")
class CleanupBenchIT {
  static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void measure() throws Exception {
    int repos = Integer.getInteger("bench.repos", 200);
    int tags = Integer.getInteger("bench.tags", 5);
    try (SimUnit unit = SimUnit.deploy("it-bench")) {
      unit.assertActive();
      String base = "http://" + unit.netloc() + "/v2/";
      long fill = System.nanoTime();
      for (int r = 0; r < repos; r++) {
        String repo = "bench/r" + r;
        for (int t = 0; t < tags; t++) {
          push(base, repo, "t" + t, r * 1000 + t, Instant.now().minus(Duration.ofHours(t)));
          push(base, repo, "garbage", r * 1000 + 500 + t, Instant.now()); // each overwrites the last: untagged
        }
      }
      System.out.printf("bench-cleanup: filled %d repositories x %d tags (+%d untagged images) in %.1f s%n", repos, tags, repos * (tags - 1),
          (System.nanoTime() - fill) / 1e9);
      report("usage", unit, Map.of());
      report("garbage-collect", unit, Map.of("dry-run", true));
      report("garbage-collect", unit, Map.of());
      report("garbage-collect", unit, Map.of());
      unit.config(Map.of("retention-policy", "- {keep-last: 2}"), List.of());
      report("prune", unit, Map.of());
      report("prune", unit, Map.of("dry-run", false));
    }
  }

  private static void report(String action, SimUnit unit, Map<String, Object> params) {
    long start = System.nanoTime();
    ActionOutcome o = unit.sim.runAction(SimUnit.UNIT, action, params);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertEquals("completed", o.status, o.message);
    Map<String, Object> r = new java.util.TreeMap<>(o.results);
    r.remove("output");
    System.out.printf("bench-cleanup: %s %s: %.2f s %s%n", action, params, seconds, r);
  }

  /** One image through the API: a 1 kB layer of its own, a config, a manifest under {@code tag}. */
  private static void push(String base, String repo, String tag, int seed, Instant created) throws Exception {
    byte[] layer = OciImages.gzip(OciImages.tar("f" + seed, ("layer " + seed + " ").repeat(100).getBytes(StandardCharsets.UTF_8)));
    String netloc = URI.create(base).getAuthority();
    String layerDigest = OciImages.uploadBlob(netloc, repo, layer);
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"" + created + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")
        .getBytes(StandardCharsets.UTF_8);
    String configDigest = OciImages.uploadBlob(netloc, repo, config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
        + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(base + repo + "/manifests/" + tag))
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json").PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(201, r.statusCode(), r.body());
  }

}
