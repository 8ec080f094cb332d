package charm.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Syntax checks for option values: URLs, image references, container names. */
final class Syntax {

  // Docker image reference grammar (distribution's reference package, documented in
  // https://github.com/distribution/reference/blob/main/reference.go): [domain/]path[:tag][@digest]
  private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final String DOMAIN =
      DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?";
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final String NAME =
      "(?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
  private static final String TAG = "[\\w][\\w.-]{0,127}";
  private static final String DIGEST =
      "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
  private static final Pattern IMAGE =
      Pattern.compile("(" + NAME + ")(?::" + TAG + ")?(?:@" + DIGEST + ")?");
  private static final int MAX_NAME_LENGTH = 255;

  // What the Docker daemon accepts as a container name (without the optional leading "/").
  private static final Pattern CONTAINER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

  private Syntax() {}

  static boolean isImageReference(String ref) {
    var m = IMAGE.matcher(ref);
    return m.matches() && m.group(1).length() <= MAX_NAME_LENGTH;
  }

  static boolean isContainerName(String name) {
    return CONTAINER_NAME.matcher(name).matches();
  }

  /**
   * Parses an absolute http(s) URL with a host and nothing after the path (no query, no
   * fragment); empty when it is anything else.
   */
  static Optional<URI> httpUrl(String value) {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme();
      boolean http = "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
      if (!http || uri.getHost() == null || uri.getHost().isEmpty()
          || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        return Optional.empty();
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }

  static boolean isHttpUrl(String value) {
    return httpUrl(value).isPresent();
  }
}
