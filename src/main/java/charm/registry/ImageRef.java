package charm.registry;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker image reference {@code [host[:port]/]path[:tag][@digest]} in the registry's reference
 * grammar (see {@link Syntax}), as the actions take it.
 *
 * @param host the registry host (and port), or empty for Docker Hub
 * @param path the repository path, e.g. {@code library/ubuntu}
 * @param tag the tag; {@code latest} when none was given
 * @param digest {@code sha256:...}, or empty
 */
public record ImageRef(String host, String path, String tag, String digest) {
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern REFERENCE =
      Pattern.compile(
          "(?:(?<host>(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?))/)?"
              + "(?<path>" + COMPONENT + "(?:/" + COMPONENT + ")*)"
              + "(?::(?<tag>[\\w][\\w.-]{0,127}))?"
              + "(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?");

  /** Parses a reference; empty when it is not one. */
  public static Optional<ImageRef> parse(String text) {
    // The registry's reference grammar decides what is a reference; REFERENCE only splits it.
    if (text == null || !Syntax.isImageReference(text.strip())) {
      return Optional.empty();
    }
    Matcher m = REFERENCE.matcher(text.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    String host = m.group("host");
    String path = m.group("path");
    // "ubuntu/x" has no host: only a first component with a dot, a port or "localhost" is one.
    if (host != null && !host.contains(".") && !host.contains(":") && !host.equals("localhost")) {
      path = host + "/" + path;
      host = null;
      if (!path.matches(COMPONENT + "(?:/" + COMPONENT + ")*")) {
        return Optional.empty();
      }
    }
    String tag = m.group("tag");
    return Optional.of(
        new ImageRef(
            host == null ? "" : host,
            path,
            tag == null ? "latest" : tag,
            m.group("digest") == null ? "" : m.group("digest")));
  }

  /** The same repository path and tag in another registry (no digest: a push makes its own). */
  public ImageRef in(String registry) {
    return new ImageRef(registry, path, tag, "");
  }

  /** {@code host/path}, or just the path without a host. */
  public String repository() {
    return host.isEmpty() ? path : host + "/" + path;
  }

  @Override
  public String toString() {
    return repository() + (digest.isEmpty() ? ":" + tag : "@" + digest);
  }
}
