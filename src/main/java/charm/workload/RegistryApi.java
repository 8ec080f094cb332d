package charm.workload;

import charm.juju.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The unit's own registry through its HTTP API (distribution's v2 API), for the registry-side
 * actions: {@code java.net.http} with one deadline per call covering the connect, the request and
 * the whole body. Requests go to {@link RegistryAccess#baseUrl()} only: a {@code Link} header that
 * names another host is followed on the unit's own address, so the credentials never leave it.
 */
public final class RegistryApi {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** One call, from connect to the last byte of the body. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  /** A registry that keeps sending next pages is not followed for ever. */
  static final int MAX_PAGES = 10_000;
  /**
   * Every manifest type the registry stores. A HEAD without them may be answered with a schema-1
   * manifest converted on the fly, whose digest is not the stored one.
   */
  static final String MANIFEST_TYPES = String.join(", ",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.v1+prettyjws");

  private static final Pattern NEXT = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");

  private final RegistryAccess access;
  private final HttpClient client;
  private final Duration callTimeout;

  public RegistryApi(RegistryAccess access) {
    this(access, CALL_TIMEOUT);
  }

  RegistryApi(RegistryAccess access, Duration callTimeout) {
    this.access = access;
    this.callTimeout = callTimeout;
    HttpClient.Builder builder =
        HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1);
    if (access.ssl() != null) {
      builder.sslContext(access.ssl());
    }
    this.client = builder.build();
  }

  /** A list the API pages through, and how many requests it took. */
  public record Listing(List<String> items, int requests) {}

  /** Every repository ({@code _catalog}), asking for {@code pageSize} per request and following {@code Link}. */
  public Listing catalog(int pageSize) {
    return pages("/v2/_catalog?n=" + pageSize, "repositories").orElseThrow(() -> new Failure("GET /v2/_catalog: HTTP 404"));
  }

  /** The tags of a repository ({@code tags/list}, paged like the catalog); empty when the registry does not know it. */
  public Optional<Listing> tags(String repository, int pageSize) {
    return pages("/v2/" + repository + "/tags/list?n=" + pageSize, "tags");
  }

  /** The digest of the manifest that {@code reference} (a tag or a digest) names; empty when there is none. */
  public Optional<String> manifestDigest(String repository, String reference) {
    String path = "/v2/" + repository + "/manifests/" + reference;
    HttpResponse<byte[]> r = send("HEAD", path);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    if (r.statusCode() != 200) {
      throw failure("HEAD", path, r);
    }
    return Optional.of(r.headers().firstValue("Docker-Content-Digest")
        .orElseThrow(() -> new Failure("HEAD " + path + ": no Docker-Content-Digest in the answer")));
  }

  /** Deletes a manifest by digest; false when the registry has no such manifest. */
  public boolean deleteManifest(String repository, String digest) {
    String path = "/v2/" + repository + "/manifests/" + digest;
    HttpResponse<byte[]> r = send("DELETE", path);
    if (r.statusCode() == 404) {
      return false;
    }
    if (r.statusCode() != 202) {
      throw failure("DELETE", path, r);
    }
    return true;
  }

  /** A manifest as the registry serves it: its digest, media type and the exact bytes. */
  public record Fetched(String digest, String mediaType, byte[] body) {}

  /**
   * GETs the manifest {@code reference} (a tag or a digest) names, in its stored form (every
   * manifest type accepted, so no schema-1 conversion); empty when the registry has none. The
   * digest is the registry's {@code Docker-Content-Digest}, else the SHA-256 of the body.
   */
  public Optional<Fetched> manifest(String repository, String reference) {
    String path = "/v2/" + repository + "/manifests/" + reference;
    HttpResponse<byte[]> r = send("GET", path);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    if (r.statusCode() != 200) {
      throw failure("GET", path, r);
    }
    String digest = r.headers().firstValue("Docker-Content-Digest").orElseGet(() -> "sha256:" + sha256(r.body()));
    String type = r.headers().firstValue("Content-Type").orElse("").replaceFirst(";.*", "").strip();
    return Optional.of(new Fetched(digest, type, r.body()));
  }

  /**
   * GETs a small blob (an image's config), at most {@code limit} bytes; empty when the registry
   * has none. A storage redirect (S3 or Swift without storage-redirect-disable) is followed once,
   * without the registry's credentials: the address is the storage's, signed for this request.
   */
  public Optional<byte[]> blob(String repository, String digest, int limit) {
    String path = "/v2/" + repository + "/blobs/" + digest;
    HttpResponse<byte[]> r = send("GET", path);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    if ((r.statusCode() == 307 || r.statusCode() == 302 || r.statusCode() == 303) && r.headers().firstValue("Location").isPresent()) {
      r = redirected(URI.create(access.baseUrl() + path).resolve(r.headers().firstValue("Location").get()), "GET " + path);
    }
    if (r.statusCode() != 200) {
      throw failure("GET", path, r);
    }
    if (r.body().length > limit) {
      throw new Failure("GET " + path + ": more than " + limit + " bytes");
    }
    return Optional.of(r.body());
  }

  private HttpResponse<byte[]> redirected(URI location, String what) {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
    HttpRequest request = HttpRequest.newBuilder(location).timeout(callTimeout).GET().build();
    return await(plain.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()), what + " (redirected to the storage)");
  }

  private static String sha256(byte[] body) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Follows the pages of a list answer ({@code {"<key>": [...]}}); empty on 404. */
  private Optional<Listing> pages(String first, String key) {
    List<String> items = new ArrayList<>();
    String next = first;
    int requests = 0;
    while (next != null) {
      if (requests == MAX_PAGES) {
        throw new Failure("GET " + first + ": more than " + MAX_PAGES + " pages; ask for more per page (limit)");
      }
      HttpResponse<byte[]> r = send("GET", next);
      requests++;
      if (r.statusCode() == 404 && items.isEmpty()) {
        return Optional.empty();
      }
      if (r.statusCode() != 200) {
        throw failure("GET", next, r);
      }
      Object body = parse(r, next);
      if (body instanceof Map<?, ?> m && m.get(key) instanceof List<?> list) {
        list.forEach(item -> items.add(String.valueOf(item)));
      }
      next = nextPage(r.headers().firstValue("Link").orElse(null));
    }
    return Optional.of(new Listing(items, requests));
  }

  /** The path and query of the {@code rel="next"} link, or null at the last page. */
  static String nextPage(String link) {
    if (link == null) {
      return null;
    }
    Matcher m = NEXT.matcher(link);
    if (!m.find()) {
      return null;
    }
    URI uri = URI.create(m.group(1).strip());
    String path = uri.getRawPath();
    if (path == null || !path.startsWith("/v2/")) {
      return null;
    }
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  private static Object parse(HttpResponse<byte[]> r, String path) {
    try {
      return Json.parse(r.body());
    } catch (Json.ParseException e) {
      throw new Failure("GET " + path + ": the answer is not JSON");
    }
  }

  private HttpResponse<byte[]> send(String method, String pathAndQuery) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(access.baseUrl() + pathAndQuery))
            .timeout(callTimeout)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .header("Accept", pathAndQuery.contains("/manifests/") ? MANIFEST_TYPES : "application/json");
    access.basic().ifPresent(b -> request.header("Authorization", "Basic "
        + Base64.getEncoder().encodeToString((b.user() + ":" + b.password()).getBytes(StandardCharsets.UTF_8))));
    return await(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()), method + " " + pathAndQuery);
  }

  /** The answer within the call deadline, or a {@link Failure} naming the call. */
  private HttpResponse<byte[]> await(CompletableFuture<HttpResponse<byte[]>> answer, String what) {
    try {
      return answer.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true);
      throw new Failure("the registry did not answer within " + callTimeout.toSeconds() + " s (" + what + ")");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof java.net.http.HttpTimeoutException) {
        throw new Failure("the registry did not answer within " + callTimeout.toSeconds() + " s (" + what + ")");
      }
      String reason = cause instanceof IOException && cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
      throw new Failure("cannot reach the registry at " + access.baseUrl() + " (" + what + "): " + reason);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure(what + " was interrupted");
    }
  }

  /** "DELETE /v2/x/manifests/sha256:...: HTTP 405 UNSUPPORTED (The operation is unsupported.)" */
  private static Failure failure(String method, String path, HttpResponse<byte[]> r) {
    StringBuilder message = new StringBuilder(method + " " + path + ": HTTP " + r.statusCode());
    try {
      if (Json.parse(r.body()) instanceof Map<?, ?> body && body.get("errors") instanceof List<?> errors && !errors.isEmpty()
          && errors.get(0) instanceof Map<?, ?> first) {
        message.append(' ').append(first.get("code")).append(" (").append(first.get("message")).append(')');
      }
    } catch (Json.ParseException e) {
      // no error document: the status says enough
    }
    return new Failure(message.toString());
  }

  /** The registry refused, or could not be reached in time; the message says which call and why. */
  public static final class Failure extends RuntimeException {
    public Failure(String message) {
      super(message);
    }
  }
}
