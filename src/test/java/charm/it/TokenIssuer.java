package charm.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A token server for the registry's token authentication ({@code auth.token}), granting every
 * scope it is asked for. Its RS256 signing key and self-signed certificate are made with openssl;
 * tokens are JWTs signed here with java.security. The registry finds the verification key by the
 * header's {@code kid}, the libtrust key id of the public key. {@code GET /token} listens on all
 * addresses and the realm names {@link TestNet#hostAddress()}, so dockerd can follow it.
 * {@link #close()} stops the server and deletes the directory.
 */
final class TokenIssuer implements AutoCloseable {
  static final int TTL_SECONDS = 300;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final String issuer;
  private final String service;
  private final PrivateKey key;
  private final String certPem;
  private final String kid;
  private final HttpServer server;
  private final List<String> requestedScopes = new CopyOnWriteArrayList<>();
  private final List<String> subjects = new CopyOnWriteArrayList<>();
  private volatile String requiredCredentials;

  private TokenIssuer(Path dir, String issuer, String service, PrivateKey key, String certPem) throws IOException {
    this.dir = dir;
    this.issuer = issuer;
    this.service = service;
    this.key = key;
    this.certPem = certPem;
    this.kid = keyId(Pem.certificate(certPem).getPublicKey());
    this.server = HttpServer.create(new InetSocketAddress(0), 0);
    server.createContext("/token", this::handle);
    server.start();
  }

  /** A new signing key in {@code dir} and a token server on a free port. */
  static TokenIssuer start(Path dir, String issuer, String service) {
    try {
      Files.createDirectories(dir);
      Path keyFile = dir.resolve("signing.key");
      Path certFile = dir.resolve("signing.crt");
      Cmd.ok("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
          "-subj", "/CN=" + issuer + " token signer", "-keyout", keyFile.toString(), "-out", certFile.toString());
      return new TokenIssuer(dir, issuer, service, Pem.privateKey(Files.readString(keyFile)), Files.readString(certFile));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An impostor: same issuer and service names, its own key (in {@code dir}) and server. The
   * registry must reject its tokens, since its certificate is not in the root bundle.
   */
  TokenIssuer rogue(Path dir) {
    return start(dir, issuer, service);
  }

  String issuer() {
    return issuer;
  }

  String service() {
    return service;
  }

  /** Where clients get tokens: {@code http://<host address>:<port>/token}. */
  String realm() {
    return "http://" + TestNet.hostAddress() + ":" + server.getAddress().getPort() + "/token";
  }

  /** The certificate the registry verifies tokens with ({@code auth.token.rootcertbundle}). */
  String rootCertBundlePem() {
    return certPem;
  }

  /** Base64 of {@link #rootCertBundlePem()}: the value of the charm's auth-token-root-certs. */
  String rootCertBundleBase64() {
    return Base64.getEncoder().encodeToString(certPem.getBytes(StandardCharsets.UTF_8));
  }

  /** The libtrust key id of the signing key, the JWT header's kid. */
  String keyId() {
    return kid;
  }

  /** The scopes clients asked for at {@code /token}, in order. */
  List<String> requestedScopes() {
    return List.copyOf(requestedScopes);
  }

  /**
   * From now on, tokens only for requests that log in with {@code user} and {@code password}
   * (HTTP basic, as docker and the registry's pull-through cache send them); 401 otherwise.
   */
  TokenIssuer requireCredentials(String user, String password) {
    requiredCredentials = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** The subject of every token issued, in order: the user who logged in, else "anonymous". */
  List<String> subjects() {
    return List.copyOf(subjects);
  }

  /** A token for subject "test" granting {@code scopes} ("repository:a/b:pull,push", "registry:catalog:*"). */
  String mint(String... scopes) {
    return mint("test", List.of(scopes));
  }

  @Override
  public void close() {
    server.stop(0);
    TestFiles.deleteTree(dir);
  }

  private String mint(String subject, List<String> scopes) {
    long now = Instant.now().getEpochSecond();
    ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256").put("kid", kid);
    ObjectNode claims = JSON.createObjectNode()
        .put("iss", issuer).put("sub", subject).put("aud", service)
        .put("exp", now + TTL_SECONDS).put("nbf", now - 10).put("iat", now)
        .put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String scope : scopes) {
      int first = scope.indexOf(':');
      int last = scope.lastIndexOf(':');
      if (first <= 0 || last <= first) {
        continue; // not type:name:actions
      }
      ObjectNode entry = access.addObject()
          .put("type", scope.substring(0, first)).put("name", scope.substring(first + 1, last));
      ArrayNode actions = entry.putArray("actions");
      for (String action : scope.substring(last + 1).split(",")) {
        if (!action.isEmpty()) {
          actions.add(action);
        }
      }
    }
    String signingInput = base64Url(bytes(header)) + "." + base64Url(bytes(claims));
    try {
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(key);
      rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + base64Url(rs256.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      String subject = "anonymous";
      String required = requiredCredentials;
      if (required != null) {
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        if (!required.equals(given)) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"token\"");
          exchange.sendResponseHeaders(401, -1);
          return;
        }
        String decoded = new String(Base64.getDecoder().decode(required.substring("Basic ".length())), StandardCharsets.UTF_8);
        subject = decoded.substring(0, decoded.indexOf(':'));
      }
      List<String> scopes = new ArrayList<>();
      String query = exchange.getRequestURI().getRawQuery();
      for (String param : query == null ? new String[0] : query.split("&")) {
        int eq = param.indexOf('=');
        String name = eq < 0 ? param : param.substring(0, eq);
        String value = eq < 0 ? "" : URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8);
        if (name.equals("scope")) {
          for (String scope : value.split(" ")) { // one parameter may carry several scopes
            if (!scope.isEmpty()) {
              scopes.add(scope);
            }
          }
        } else if (name.equals("account") && !value.isEmpty() && required == null) {
          subject = value;
        }
      }
      requestedScopes.addAll(scopes);
      subjects.add(subject);
      String token = mint(subject, scopes);
      byte[] body = bytes(JSON.createObjectNode()
          .put("token", token).put("access_token", token).put("expires_in", TTL_SECONDS)
          .put("issued_at", Instant.now().toString()));
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /**
   * libtrust's key id: SHA-256 of the DER SubjectPublicKeyInfo, the first 30 bytes (240 bits) in
   * base32 without padding, in groups of four characters joined by ':'.
   */
  static String keyId(PublicKey publicKey) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded());
      String b32 = base32(Arrays.copyOf(digest, 30));
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < b32.length(); i += 4) {
        if (i > 0) {
          out.append(':');
        }
        out.append(b32, i, Math.min(i + 4, b32.length()));
      }
      return out.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 4648 base32 without padding. */
  static String base32(byte[] data) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = ((buffer << 8) | (b & 0xff)) & 0xfff; // at most 12 bits are pending
      bits += 8;
      while (bits >= 5) {
        out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return out.toString();
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String base64Url(byte[] data) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(data);
  }
}
