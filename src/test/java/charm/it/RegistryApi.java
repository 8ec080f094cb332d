package charm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The registry's HTTP API (distribution v2) from the test, for what docker does not show. */
final class RegistryApi {
  static final String MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
  private static final Pattern DIGEST = Pattern.compile("\"digest\"\\s*:\\s*\"(sha256:[0-9a-f]{64})\"");

  private RegistryApi() {}

  /** {@code Authorization: Basic ...} for user and password, as header name and value. */
  static String[] basic(String user, String password) {
    return new String[] {"Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8))};
  }

  /** The v2 manifest of {@code repo:tag} at {@code netloc}; fails unless it answers 200. */
  static HttpResponse<String> manifest(String netloc, String repo, String tag, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Accept";
    all[1] = MANIFEST_V2;
    System.arraycopy(headers, 0, all, 2, headers.length);
    HttpResponse<String> r = Http.send("GET", "http://" + netloc + "/v2/" + repo + "/manifests/" + tag, all);
    assertEquals(200, r == null ? -1 : r.statusCode(), "manifest " + repo + ":" + tag + " at " + netloc + (r == null ? "" : ": " + r.body()));
    return r;
  }

  /** The digest of the manifest of {@code repo:tag} (Docker-Content-Digest). */
  static String manifestDigest(String netloc, String repo, String tag, String... headers) {
    return manifest(netloc, repo, tag, headers).headers().firstValue("Docker-Content-Digest").orElseThrow();
  }

  /** The layer digests of a single-platform v2 manifest, in order (the config's first, dropped). */
  static List<String> layers(String netloc, String repo, String tag, String... headers) {
    String body = manifest(netloc, repo, tag, headers).body();
    List<String> digests = new ArrayList<>();
    Matcher m = DIGEST.matcher(body.substring(body.indexOf("\"layers\"")));
    while (m.find()) {
      digests.add(m.group(1));
    }
    return digests;
  }

  /** The status of a blob upload's start, the first request of every push. */
  static int startUpload(String netloc, String repo, String... headers) {
    HttpResponse<String> r = Http.send("POST", "http://" + netloc + "/v2/" + repo + "/blobs/uploads/", headers);
    return r == null ? -1 : r.statusCode();
  }

  /** DELETE of a manifest by digest; its status (202 when deleted). */
  static int deleteManifest(String netloc, String repo, String digest, String... headers) {
    HttpResponse<String> r = Http.send("DELETE", "http://" + netloc + "/v2/" + repo + "/manifests/" + digest, headers);
    return r == null ? -1 : r.statusCode();
  }

  /** The path of a blob's data under a storage root ({@code .../docker/registry/v2/blobs/sha256/ab/abcd.../data}). */
  static String blobPath(String digest) {
    String hex = digest.substring("sha256:".length());
    return "docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data";
  }
}
