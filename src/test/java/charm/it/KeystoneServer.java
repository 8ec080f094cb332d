package charm.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A real OpenStack Keystone (Debian's python3-keystone, Zed) with the v3 API: an SQLite database
 * and fernet keys under {@code dir}, bootstrapped with an admin user (random password) in region
 * {@value #REGION}, served by its own WSGI script on docker0's address and a free port (registry
 * containers on this machine reach it there). {@link #close()} stops it and deletes {@code dir}.
 */
final class KeystoneServer implements AutoCloseable {
  static final String REGION = "RegionOne";
  static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final String host = TestNet.hostAddress();
  private final int port = TestNet.freePort();
  private final String adminPassword;
  private Daemon process;

  private KeystoneServer(Path dir) {
    this.dir = dir;
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    this.adminPassword = "a" + HexFormat.of().formatHex(b);
  }

  static KeystoneServer start(Path dir) {
    KeystoneServer keystone = new KeystoneServer(TestFiles.mkdirs(dir.toAbsolutePath()));
    try {
      keystone.setUp();
      return keystone;
    } catch (RuntimeException | Error e) {
      keystone.close();
      throw e;
    }
  }

  /** The v3 identity endpoint, {@code http://<docker0 address>:<port>/v3}. */
  String url() {
    return "http://" + host + ":" + port + "/v3";
  }

  /** A token of the bootstrap admin, scoped to the admin project. */
  String adminToken() {
    return token("admin", "Default", adminPassword, "admin", "Default");
  }

  String adminPassword() {
    return adminPassword;
  }

  /** A token for a user scoped to a project, with the response's body (the catalog, ids). */
  String token(String user, String userDomain, String password, String project, String projectDomain) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode auth = body.putObject("auth");
    ObjectNode identity = auth.putObject("identity");
    identity.putArray("methods").add("password");
    ObjectNode u = identity.putObject("password").putObject("user");
    u.put("name", user).put("password", password).putObject("domain").put("name", userDomain);
    ObjectNode p = auth.putObject("scope").putObject("project");
    p.put("name", project).putObject("domain").put("name", projectDomain);
    HttpResponse<String> r = send("POST", "/auth/tokens", null, body);
    expect(201, r, "token for " + user);
    return r.headers().firstValue("X-Subject-Token").orElseThrow();
  }

  /** POST {@code /v3/<collection>} of {@code {<singular>: fields}} with the admin token; the new id. */
  String create(String collection, String singular, Map<String, Object> fields) {
    ObjectNode body = JSON.createObjectNode();
    body.set(singular, JSON.valueToTree(fields));
    HttpResponse<String> r = send("POST", "/" + collection, adminToken(), body);
    expect(201, r, "create " + singular);
    return read(r.body()).path(singular).path("id").asText();
  }

  /** The id of a role by name. */
  String roleId(String name) {
    HttpResponse<String> r = send("GET", "/roles?name=" + name, adminToken(), null);
    expect(200, r, "role " + name);
    return read(r.body()).path("roles").path(0).path("id").asText();
  }

  /** Grants {@code role} on a project to a user. */
  void grant(String projectId, String userId, String role) {
    HttpResponse<String> r = send("PUT", "/projects/" + projectId + "/users/" + userId + "/roles/" + roleId(role), adminToken(), null);
    expect(204, r, "grant " + role);
  }

  /** The object-store service with public and internal endpoints at {@code urlTemplate} ($(project_id)s filled in by Keystone). */
  void registerObjectStore(String urlTemplate) {
    String service = create("services", "service", Map.of("type", "object-store", "name", "swift"));
    for (String face : List.of("public", "internal")) {
      create("endpoints", "endpoint", Map.of("service_id", service, "interface", face, "url", urlTemplate, "region_id", REGION));
    }
  }

  // ---- set-up --------------------------------------------------------------------------------

  private void setUp() {
    Path conf = TestFiles.write(dir.resolve("keystone.conf"), String.join("\n",
        "[DEFAULT]",
        "log_file = " + dir.resolve("keystone.log"),
        "[database]",
        "connection = sqlite:///" + dir.resolve("keystone.db"),
        "[token]",
        "provider = fernet",
        "[fernet_tokens]",
        "key_repository = " + dir.resolve("fernet-keys"),
        "[fernet_receipts]",
        "key_repository = " + dir.resolve("fernet-receipts"),
        "[credential]",
        "key_repository = " + dir.resolve("credential-keys"), ""));
    manage(conf, "db_sync");
    // Write-ahead logging: a connection keystone leaves reading does not lock writers out
    // ("database is locked" on commit otherwise).
    Cmd wal = Cmd.run("/usr/bin/python3", "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL').fetchone()[0])",
        dir.resolve("keystone.db").toString());
    if (wal.exitCode() != 0 || !wal.output().trim().equals("wal")) {
      throw new AssertionError("cannot switch keystone.db to WAL: " + wal.output());
    }
    manage(conf, "fernet_setup", "--keystone-user", "root", "--keystone-group", "root");
    manage(conf, "credential_setup", "--keystone-user", "root", "--keystone-group", "root");
    // The bootstrap password goes through the environment (OS_BOOTSTRAP_PASSWORD), not argv.
    String endpoint = url() + "/";
    Cmd bootstrap = Cmd.runWithEnv(Map.of("OS_BOOTSTRAP_PASSWORD", adminPassword), "keystone-manage", "--config-file", conf.toString(),
        "bootstrap", "--bootstrap-admin-url", endpoint, "--bootstrap-public-url", endpoint, "--bootstrap-internal-url", endpoint,
        "--bootstrap-region-id", REGION);
    if (bootstrap.exitCode() != 0) {
      throw new AssertionError("keystone-manage bootstrap exited " + bootstrap.exitCode() + ":\n" + bootstrap.output());
    }
    process = Daemon.start("keystone", dir.resolve("wsgi.log"), Map.of("OS_KEYSTONE_CONFIG_FILES", conf.toString()),
        List.of("/usr/bin/python3", "/usr/bin/keystone-wsgi-public", "--host", host, "--port", String.valueOf(port)))
        .awaitListening(host, port);
  }

  private static void manage(Path conf, String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("keystone-manage", "--config-file", conf.toString()));
    argv.addAll(List.of(args));
    Cmd c = Cmd.run(argv.toArray(String[]::new));
    if (c.exitCode() != 0) {
      throw new AssertionError(String.join(" ", argv) + " exited " + c.exitCode() + ":\n" + c.output());
    }
  }

  private HttpResponse<String> send(String method, String path, String token, JsonNode body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(HTTP_TIMEOUT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.toString()))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("X-Auth-Token", token);
    }
    try {
      // A client per request: keystone's WSGI server speaks HTTP/1.0 and closes each connection,
      // which a pooled client may try to reuse.
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("keystone " + method + " " + path + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private void expect(int status, HttpResponse<String> r, String what) {
    if (r.statusCode() != status) {
      throw new AssertionError(what + ": HTTP " + r.statusCode() + " " + r.body() + "\nkeystone log:\n" + process.log());
    }
  }

  private static JsonNode read(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.stop();
    }
    TestFiles.deleteTree(dir);
  }
}
