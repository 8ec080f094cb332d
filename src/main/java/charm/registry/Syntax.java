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

  private static final Pattern HOST_AND_PORT =
      Pattern.compile("(?<host>[A-Za-z0-9._~%-]+|\\[[0-9A-Fa-f:.]+\\]):(?<port>[0-9]{1,5})");

  /**
   * Whether {@code value} is {@code host:port} with a port 1-65535 (an IPv6 literal in
   * brackets), as Go's net.Dial takes it.
   */
  static boolean isHostAndPort(String value) {
    var m = HOST_AND_PORT.matcher(value);
    if (!m.matches()) {
      return false;
    }
    int port = Integer.parseInt(m.group("port"));
    return port >= 1 && port <= 65535;
  }

  /**
   * The host an http(s) URL, a {@code host[:port]} or a {@code host:port} names, without
   * brackets; empty when there is none.
   */
  static Optional<String> host(String urlOrHostPort) {
    Optional<URI> url = httpUrl(urlOrHostPort);
    String host;
    if (url.isPresent()) {
      host = url.get().getHost();
    } else if (!hasSpaceOrControl(urlOrHostPort) && ENDPOINT.matcher(urlOrHostPort).matches()) {
      host = urlOrHostPort.startsWith("[")
          ? urlOrHostPort.substring(0, urlOrHostPort.indexOf(']') + 1)
          : urlOrHostPort.replaceFirst(":[0-9]*$", "");
    } else {
      return Optional.empty();
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return host.isEmpty() ? Optional.empty() : Optional.of(host);
  }

  private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(?:\\.[0-9]{1,3}){3}|0\\.0\\.0\\.0");

  /**
   * Whether a host is this machine's own loopback (or unspecified) address: {@code localhost},
   * a name under {@code .localhost}, 127.0.0.0/8, 0.0.0.0, {@code ::1}, {@code ::} or an
   * IPv4-mapped loopback. Never a DNS lookup: other names are not loopback here.
   */
  static boolean isLoopback(String host) {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.equals("localhost") || h.endsWith(".localhost") || IPV4_LOOPBACK.matcher(h).matches()) {
      return true;
    }
    if (h.indexOf(':') < 0 || !h.matches("[0-9a-f:.]+")) {
      return false;
    }
    try {
      // A literal with ':' is parsed, never looked up (an invalid one throws).
      java.net.InetAddress a = java.net.InetAddress.getByName(h);
      return a.isLoopbackAddress() || a.isAnyLocalAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
