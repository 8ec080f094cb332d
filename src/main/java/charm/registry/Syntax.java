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

  // A host (name, IPv4 or bracketed IPv6 literal) with an optional port.
  private static final String HOST_PORT = "(?:[A-Za-z0-9._~%-]+|\\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._~-]+)?\\])(?::[0-9]{1,5})?";
  private static final Pattern ENDPOINT = Pattern.compile(HOST_PORT);
  private static final Pattern PROXY = Pattern.compile(
      "(?:(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?:[^@/?#]*@)?" + HOST_PORT + "(?:/[^?#]*)?");
  private static final java.util.Set<String> PROXY_SCHEMES = java.util.Set.of("http", "https", "socks5");

  /**
   * Whether the registry (Go 1.19's proxy handling of HTTP_PROXY/HTTPS_PROXY, which it inherits
   * from net/http) uses {@code value} as the proxy it names: an http://, https:// or socks5://
   * URL, or a scheme-less {@code [user:password@]host[:port]}, which Go reads as http://. Never a
   * value with spaces or control characters. Go would misread a scheme-less value whose host is
   * one of the scheme names ({@code socks5:1080}) as a URL without a host, so those are refused.
   */
  static boolean isProxy(String value) {
    if (hasSpaceOrControl(value)) {
      return false;
    }
    var m = PROXY.matcher(value);
    if (!m.matches()) {
      return false;
    }
    String scheme = m.group("scheme");
    if (scheme != null) {
      return PROXY_SCHEMES.contains(scheme.toLowerCase(java.util.Locale.ROOT));
    }
    int colon = value.indexOf(':');
    return colon < 0 || !PROXY_SCHEMES.contains(value.substring(0, colon).toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * Whether registry 2.8's s3 driver (AWS SDK v1) reaches the endpoint {@code value} names: an
   * http(s) URL, or a scheme-less {@code host[:port]} to which the SDK adds https:// or, with
   * {@code secure: false}, http://.
   */
  static boolean isS3Endpoint(String value) {
    return isHttpUrl(value) || (!hasSpaceOrControl(value) && ENDPOINT.matcher(value).matches());
  }

  static boolean hasSpaceOrControl(String value) {
    return value.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c));
  }
}
