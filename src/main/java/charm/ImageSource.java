package charm;

import charm.juju.HookToolException;
import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.Status;
import charm.workload.EngineUnavailable;
import charm.workload.RegistryContainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the registry image comes from. When the {@value #RESOURCE} resource is attached (a
 * {@code docker save} tarball; an empty file counts as none, since Juju cannot detach a
 * resource), the image is loaded from it into the unit's engine instead of being pulled, so that
 * a machine without access to the image's registry (air-gapped) runs the registry too. Without it,
 * a missing image is pulled, as before.
 *
 * <p>The tarball is loaded when the image is missing from the engine or when the tarball changed
 * since it was last loaded (a new {@code juju attach-resource}, which runs upgrade-charm): unit
 * state {@value #STATE} holds the size, modification time and SHA-256 of the tarball that was
 * loaded; the SHA-256 is computed only when size or time changed.
 */
final class ImageSource {
  /** The resource in metadata.yaml. */
  static final String RESOURCE = "registry-image";
  /** Unit state: "size mtime-millis sha256" of the tarball last loaded. */
  static final String STATE = "image-resource";

  /**
   * The image is in the engine, or the problem that keeps it out; {@code fromResource} when it
   * came from (or was checked against) the attached tarball, whose image a container must run.
   */
  record Result(Optional<Status> problem, boolean fromResource) {}

  private final HookTools tools;

  ImageSource(HookTools tools) {
    this.tools = tools;
  }

  /** Makes {@code image} present in the engine: from the resource when attached, else by a pull. */
  Result ensure(RegistryContainer engine, String image, Map<String, String> state) {
    Optional<Path> tarball = attached();
    if (tarball.isPresent()) {
      return new Result(fromTarball(engine, image, tarball.get(), state), true);
    }
    if (engine.imagePresent(image)) {
      return new Result(Optional.empty(), false);
    }
    tools.statusSet(Status.maintenance("Pulling " + image));
    try {
      engine.pull(image, line -> tools.log(LogLevel.INFO, "pull " + image + ": " + line));
      return new Result(Optional.empty(), false);
    } catch (EngineUnavailable e) {
      throw e; // waiting, not blocked: the engine, not the image, is the problem
    } catch (RuntimeException e) {
      tools.log(LogLevel.ERROR, "Cannot pull " + image + ": " + e.getMessage());
      return new Result(Optional.of(Status.blocked("Cannot pull registry-image " + image)), false);
    }
  }

  /** The attached tarball, if there is one with content. */
  private Optional<Path> attached() {
    Path file;
    try {
      file = tools.resourceGet(RESOURCE);
    } catch (HookToolException e) {
      if (e.timedOut()) {
        throw e; // the download did not finish: fail the hook, Juju retries it
      }
      return Optional.empty(); // not attached ("resource ... not found")
    }
    try {
      return Files.isRegularFile(file) && Files.size(file) > 0 ? Optional.of(file) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the " + RESOURCE + " resource", e);
    }
  }

  private Optional<Status> fromTarball(RegistryContainer engine, String image, Path tarball, Map<String, String> state) {
    String quick = quickFingerprint(tarball);
    String recorded = state.getOrDefault(STATE, "");
    String sha = recorded.startsWith(quick + " ") ? recorded.substring(quick.length() + 1) : sha256(tarball);
    String fingerprint = quick + " " + sha;
    boolean loaded = recorded.endsWith(" " + sha);
    if (loaded && engine.imagePresent(image)) {
      if (!recorded.equals(fingerprint)) {
        tools.stateSet(Map.of(STATE, fingerprint)); // the same content, downloaded again
      }
      return Optional.empty();
    }
    tools.statusSet(Status.maintenance("Loading " + image + " from the " + RESOURCE + " resource"));
    List<String> images;
    try {
      images = engine.load(tarball, line -> tools.log(LogLevel.INFO, "load " + RESOURCE + ": " + line));
    } catch (EngineUnavailable e) {
      throw e;
    } catch (RuntimeException e) {
      tools.log(LogLevel.ERROR, "Cannot load the " + RESOURCE + " resource: " + e.getMessage());
      return Optional.of(Status.blocked("Cannot load the " + RESOURCE + " resource: " + e.getMessage()));
    }
    if (!engine.imagePresent(image)) {
      String held = images.isEmpty() ? "no tagged image" : String.join(", ", images);
      tools.log(LogLevel.ERROR, "The " + RESOURCE + " resource does not hold " + image + " (" + held + ")");
      return Optional.of(Status.blocked("The " + RESOURCE + " resource does not hold " + image
          + "; attach the output of docker save " + image + ", or set registry-image to the image it holds"));
    }
    tools.log(LogLevel.INFO, "Loaded " + image + " from the " + RESOURCE + " resource (sha256 " + sha + ")");
    tools.stateSet(Map.of(STATE, fingerprint));
    return Optional.empty();
  }

  private static String quickFingerprint(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.size() + " " + a.lastModifiedTime().toMillis();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the " + RESOURCE + " resource", e);
    }
  }

  private static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the " + RESOURCE + " resource", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
