package charm.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Images written as OCI image layouts on disk and pushed with skopeo: single-platform images and
 * multi-arch ones (an OCI index, or a Docker manifest list with {@code skopeo --format v2s2}) whose
 * platform manifests are untagged, with the creation date a test chooses. No network: every byte
 * is made here. Each layer holds one file of random bytes, so two images never share a layer
 * unless a test reuses one ({@link #layer}).
 */
final class OciImages {
  private final Path layout;

  /** A layer: its compressed bytes, their digest, and the digest of the uncompressed tar. */
  record Layer(byte[] gz, String digest, String diffId) {}

  /** A manifest written into the layout: digest, size, media type. */
  record Written(String digest, long size, String mediaType, String platform) {}

  OciImages(Path dir) {
    this.layout = dir;
    try {
      Files.createDirectories(layout.resolve("blobs/sha256"));
      Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A layer with one file {@code name} of {@code bytes} random bytes. */
  Layer layer(String name, int bytes) {
    byte[] data = new byte[bytes];
    new SplittableRandom(System.nanoTime() ^ name.hashCode()).nextBytes(data);
    byte[] tar = tar(name, data);
    byte[] compressed = gzip(tar);
    return new Layer(compressed, blob(compressed), "sha256:" + sha256(tar));
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return gz.toByteArray();
  }

  /** An image manifest for one platform ("amd64", "arm64") with these layers, created at {@code created} (null: no date). */
  Written image(String arch, Instant created, Layer... layers) {
    StringBuilder diffIds = new StringBuilder();
    StringBuilder descriptors = new StringBuilder();
    for (Layer l : layers) {
      diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(l.diffId()).append('"');
      descriptors.append(descriptors.length() == 0 ? "" : ",")
          .append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"").append(l.digest())
          .append("\",\"size\":").append(l.gz().length).append('}');
    }
    String date = created == null ? "" : "\"created\":\"" + created + "\",";
    byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\"," + date + "\"config\":{},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
    String configDigest = blob(config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},"
        + "\"layers\":[" + descriptors + "]}").getBytes(StandardCharsets.UTF_8);
    return new Written(blob(manifest), manifest.length, "application/vnd.oci.image.manifest.v1+json", arch);
  }

  /** An OCI index of platform manifests. */
  Written index(Written... platforms) {
    List<String> entries = new ArrayList<>();
    for (Written p : platforms) {
      entries.add("{\"mediaType\":\"" + p.mediaType() + "\",\"digest\":\"" + p.digest() + "\",\"size\":" + p.size()
          + ",\"platform\":{\"architecture\":\"" + p.platform() + "\",\"os\":\"linux\"}}");
    }
    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + String.join(",", entries) + "]}").getBytes(StandardCharsets.UTF_8);
    return new Written(blob(index), index.length, "application/vnd.oci.image.index.v1+json", "");
  }

  /**
   * Pushes {@code top} (an image or an index) to {@code destination} (host:port/name:tag) with
   * skopeo; {@code dockerList} converts it to Docker schema 2 (a manifest list for an index).
   * Returns the digest the registry stores for it.
   */
  String push(Written top, String destination, boolean dockerList) {
    String ref = "r" + Long.toHexString(System.nanoTime());
    try {
      Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + top.mediaType()
          + "\",\"digest\":\"" + top.digest() + "\",\"size\":" + top.size()
          + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + ref + "\"}}]}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> argv = new ArrayList<>(List.of("skopeo", "copy", "--all", "--dest-tls-verify=false", "--digestfile", layout.resolve("digest").toString()));
    if (dockerList) {
      argv.addAll(List.of("--format", "v2s2"));
    }
    argv.addAll(List.of("oci:" + layout + ":" + ref, "docker://" + destination));
    Cmd.ok(argv.toArray(String[]::new));
    try {
      return Files.readString(layout.resolve("digest")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Uploads one blob to {@code repo} through the registry's API (monolithic: POST, then PUT with
   * the digest), with no manifest referencing it; returns its digest.
   */
  static String uploadBlob(String netloc, String repo, byte[] blob) {
    String digest = "sha256:" + sha256(blob);
    String base = "http://" + netloc + "/v2/";
    java.net.http.HttpResponse<String> start = Http.send("POST", base + repo + "/blobs/uploads/");
    if (start == null || start.statusCode() != 202) {
      throw new AssertionError("upload start: " + (start == null ? "no answer" : start.statusCode() + " " + start.body()));
    }
    String location = start.headers().firstValue("Location").orElseThrow();
    java.net.URI put = java.net.URI.create(base).resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
    try {
      java.net.http.HttpResponse<String> done = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(put).timeout(java.time.Duration.ofSeconds(30)).header("Content-Type", "application/octet-stream")
              .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(blob)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      if (done.statusCode() != 201) {
        throw new AssertionError("upload: " + done.statusCode() + " " + done.body());
      }
    } catch (IOException e) {
      throw new AssertionError("upload: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return digest;
  }

  private String blob(byte[] content) {
    String hex = sha256(content);
    try {
      Files.write(layout.resolve("blobs/sha256/" + hex), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return "sha256:" + hex;
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A ustar archive of one regular file, mode 0644, owned by root, dated 1970. */
  static byte[] tar(String name, byte[] data) {
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", data.length));
    put(header, 136, "00000000000");
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    java.util.Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    int padded = (data.length + 511) / 512 * 512;
    byte[] tar = new byte[512 + padded + 1024];
    System.arraycopy(header, 0, tar, 0, 512);
    System.arraycopy(data, 0, tar, 512, data.length);
    return tar;
  }

  private static void put(byte[] header, int at, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, header, at, b.length);
  }
}
