package charm.registry;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * The desired state computed by {@link Planner}: files, the container, the ports to open and how
 * clients reach the registry.
 *
 * @param files files the registry needs, by absolute unit path; their content is part of the
 *     container's spec hash, so a change replaces the container
 * @param directories directories that must exist (mount sources), with their modes
 * @param htpasswd the basic-auth user, when basic auth is on: its file is written with a fresh
 *     bcrypt salt, so it is checked by verifying the password, not by comparing content, and it
 *     is outside the spec hash (the registry re-reads it; a password change needs no restart)
 * @param absent files the charm owns that this plan does not use: removed
 * @param container the container to run
 * @param ports TCP ports to open on the unit
 * @param netloc {@code host:port} clients use
 * @param scheme {@code http} or {@code https}
 * @param secrets the secret values in the files and the container's environment, to redact from
 *     text the registry writes before the charm quotes it
 */
public record Plan(
    List<FileSpec> files,
    List<DirSpec> directories,
    Optional<Credentials> htpasswd,
    List<String> absent,
    ContainerSpec container,
    SortedSet<Integer> ports,
    String netloc,
    String scheme,
    Secrets secrets) {

  /** A file with its content and POSIX mode, e.g. {@code rw-------}. */
  public record FileSpec(String path, String content, String mode) {
    @Override
    public String toString() {
      return "FileSpec[" + path + ", " + mode + "]"; // content may be secret
    }
  }

  /** A directory with its POSIX mode. */
  public record DirSpec(String path, String mode) {}

  /** One htpasswd user; the password never leaves the plan except as a bcrypt hash. */
  public record Credentials(String path, String user, String password) {
    @Override
    public String toString() {
      return "Credentials[" + path + ", user=" + user + ", password=<redacted>]";
    }
  }
}
