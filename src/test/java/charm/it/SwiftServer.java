package charm.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A real single-node OpenStack Swift (Debian's swift 2.30 packages): memcached, the account,
 * container and object servers on 127.0.0.1 and the proxy with tempauth (auth v1) on {@link
 * #host()}, docker0's address, where a registry container on this machine reaches it (a loopback
 * address would be the container itself). One replica, rings with one device under {@code dir};
 * free ports; nothing in /etc/swift is read for the rings or servers ({@code swift_dir} is
 * {@code dir/etc}). Every server runs without worker processes ({@code workers = 0}), in the
 * foreground, as a child of the test, so that {@link #close()} ends each by its pid.
 *
 * <p>With tempauth ({@link #start}): account {@code test}, user {@code tester} with a random key
 * ({@link #user()}, {@link #key()}). With Keystone ({@link #startWithKeystone}): the proxy
 * validates Keystone tokens (keystonemiddleware's authtoken, swift's keystoneauth; roles admin
 * and member may use their project's account) and is registered as the object-store endpoint.
 * {@link #stopProxy()} and {@link #startProxy()} play an outage of the endpoint the registry
 * talks to.
 */
final class SwiftServer implements AutoCloseable {
  static final Path PYTHON = Path.of("/usr/bin/python3"); // swift's modules are Debian's
  static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Path dir;
  private final String host;
  private final String key;
  private final int proxyPort = TestNet.freePort();
  private final int accountPort = TestNet.freePort();
  private final int containerPort = TestNet.freePort();
  private final int objectPort = TestNet.freePort();
  private final int memcachedPort = TestNet.freePort();
  private final List<Daemon> servers = new ArrayList<>();
  private final KeystoneServer keystone;
  private Daemon proxy;

  private SwiftServer(Path dir, String host, KeystoneServer keystone) {
    this.dir = dir;
    this.host = host;
    this.keystone = keystone;
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    this.key = "k" + HexFormat.of().formatHex(random);
  }

  /** Writes the configuration and rings under {@code dir}, starts everything, returns once the proxy authenticates. */
  static SwiftServer start(Path dir) {
    return start(dir, null);
  }

  /** As {@link #start}, with Keystone instead of tempauth; registers the object-store endpoints. */
  static SwiftServer startWithKeystone(Path dir, KeystoneServer keystone) {
    SwiftServer swift = start(dir, keystone);
    try {
      keystone.registerObjectStore("http://" + swift.host + ":" + swift.proxyPort + "/v1/AUTH_$(project_id)s");
      return swift;
    } catch (RuntimeException | Error e) {
      swift.close();
      throw e;
    }
  }

  private static SwiftServer start(Path dir, KeystoneServer keystone) {
    SwiftServer swift = new SwiftServer(TestFiles.mkdirs(dir.toAbsolutePath()), TestNet.hostAddress(), keystone);
    try {
      swift.configure();
      swift.servers.add(Daemon.start("memcached", dir.resolve("memcached.log"), Map.of(),
          List.of("memcached", "-l", "127.0.0.1", "-p", String.valueOf(swift.memcachedPort), "-U", "0", "-u", "root", "-m", "32"))
          .awaitListening("127.0.0.1", swift.memcachedPort));
      swift.servers.add(swift.server("account", swift.accountPort));
      swift.servers.add(swift.server("container", swift.containerPort));
      swift.servers.add(swift.server("object", swift.objectPort));
      swift.startProxy();
      return swift;
    } catch (RuntimeException | Error e) {
      swift.close();
      throw e;
    }
  }

  /** The proxy's address: docker0's. */
  String host() {
    return host;
  }

  /** The tempauth (v1) authentication URL. */
  String authUrl() {
    return "http://" + host + ":" + proxyPort + "/auth/v1.0";
  }

  String user() {
    return "test:tester";
  }

  String key() {
    return key;
  }

  /** Stops the proxy (the registry's endpoint); the storage servers and memcached keep running. */
  void stopProxy() {
    proxy.stop();
  }

  /** Starts the proxy on its port; returns once it answers its health check. */
  void startProxy() {
    proxy = server("proxy", proxyPort); // stopped by close() if it never answers below
    Poll.until(Duration.ofSeconds(30), () -> status("GET", "http://" + host + ":" + proxyPort + "/healthcheck", null) == 200,
        () -> "the Swift proxy does not answer /healthcheck:\n" + proxy.log());
  }

  /**
   * The names of the objects in {@code container} under {@code prefix}, through the proxy with a
   * token of the test user; null when the container does not exist.
   */
  List<String> objects(String container, String prefix) {
    return objects("test", token(), container, prefix);
  }

  /** {@link #objects(String, String)} in account {@code AUTH_<account>} with a given token. */
  List<String> objects(String account, String token, String container, String prefix) {
    String url = "http://" + host + ":" + proxyPort + "/v1/AUTH_" + account + "/" + container;
    HttpResponse<String> r = send("GET", url + "?format=plain&prefix=" + prefix, token);
    if (r.statusCode() == 404) {
      return null;
    }
    if (r.statusCode() != 200 && r.statusCode() != 204) {
      throw new AssertionError("listing " + container + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r.body().lines().filter(l -> !l.isBlank()).toList();
  }

  /** The proxy's log, for failure messages. */
  String log() {
    return proxy == null ? "" : proxy.log();
  }

  private String token() {
    HttpRequest request = HttpRequest.newBuilder(URI.create(authUrl())).timeout(HTTP_TIMEOUT)
        .header("X-Auth-User", user()).header("X-Auth-Key", key).GET().build();
    HttpResponse<String> r = send(request);
    return r.headers().firstValue("X-Auth-Token")
        .orElseThrow(() -> new AssertionError("tempauth gave no token: HTTP " + r.statusCode()));
  }

  private int status(String method, String url, String token) {
    try {
      return send(method, url, token).statusCode();
    } catch (AssertionError e) {
      return -1;
    }
  }

  private static HttpResponse<String> send(String method, String url, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(HTTP_TIMEOUT).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("X-Auth-Token", token);
    }
    return send(b.build());
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ---- set-up --------------------------------------------------------------------------------

  private Daemon server(String kind, int port) {
    // -v: log to the console (the configured syslog address does not exist).
    Daemon d = Daemon.start("swift-" + kind + "-server", dir.resolve(kind + ".log"), Map.of(),
        List.of(PYTHON.toString(), "/usr/bin/swift-" + kind + "-server", dir.resolve("etc/" + kind + "-server.conf").toString(), "-v"));
    return d.awaitListening(kind.equals("proxy") ? host : "127.0.0.1", port);
  }

  private void configure() {
    Path etc = TestFiles.mkdirs(dir.resolve("etc"));
    TestFiles.mkdirs(dir.resolve("node/d1"));
    TestFiles.mkdirs(dir.resolve("cache"));
    TestFiles.write(etc.resolve("swift.conf"), String.join("\n",
        "[swift-hash]", "swift_hash_path_suffix = it-" + key.substring(0, 8), "swift_hash_path_prefix = it",
        "[storage-policy:0]", "name = Policy-0", "default = yes", ""));
    for (String[] s : new String[][] {{"account", "" + accountPort}, {"container", "" + containerPort}, {"object", "" + objectPort}}) {
      TestFiles.write(etc.resolve(s[0] + "-server.conf"), common(s[1], "127.0.0.1") + String.join("\n",
          "devices = " + dir.resolve("node"),
          "mount_check = false",
          "disable_fallocate = true",
          "[pipeline:main]",
          "pipeline = healthcheck " + s[0] + "-server",
          "[app:" + s[0] + "-server]",
          "use = egg:swift#" + s[0],
          "[filter:healthcheck]",
          "use = egg:swift#healthcheck", ""));
      ring(etc, s[0], s[1]);
    }
    TestFiles.write(etc.resolve("proxy-server.conf"), common(String.valueOf(proxyPort), host) + String.join("\n",
        "[pipeline:main]",
        "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl"
            + (keystone == null ? " tempauth" : " authtoken keystoneauth") + " copy dlo slo proxy-logging proxy-server",
        "[app:proxy-server]",
        "use = egg:swift#proxy",
        "account_autocreate = true",
        "[filter:tempauth]",
        "use = egg:swift#tempauth",
        "user_test_tester = " + key + " .admin",
        "[filter:keystoneauth]",
        "use = egg:swift#keystoneauth",
        "operator_roles = admin, member",
        "[filter:authtoken]",
        "paste.filter_factory = keystonemiddleware.auth_token:filter_factory",
        "delay_auth_decision = True",
        "memcached_servers = 127.0.0.1:" + memcachedPort,
        keystone == null ? "" : String.join("\n",
            "www_authenticate_uri = " + keystone.url(),
            "auth_url = " + keystone.url(),
            "auth_type = password",
            "project_domain_name = Default",
            "user_domain_name = Default",
            "project_name = admin",
            "username = admin",
            "password = " + keystone.adminPassword()),
        "[filter:cache]",
        "use = egg:swift#memcache",
        "memcache_servers = 127.0.0.1:" + memcachedPort,
        "[filter:catch_errors]", "use = egg:swift#catch_errors",
        "[filter:gatekeeper]", "use = egg:swift#gatekeeper",
        "[filter:healthcheck]", "use = egg:swift#healthcheck",
        "[filter:proxy-logging]", "use = egg:swift#proxy_logging",
        "[filter:listing_formats]", "use = egg:swift#listing_formats",
        "[filter:bulk]", "use = egg:swift#bulk",
        "[filter:tempurl]", "use = egg:swift#tempurl",
        "[filter:copy]", "use = egg:swift#copy",
        "[filter:dlo]", "use = egg:swift#dlo",
        "[filter:slo]", "use = egg:swift#slo", ""));
  }

  private String common(String port, String bindIp) {
    return String.join("\n",
        "[DEFAULT]",
        "bind_ip = " + bindIp,
        "bind_port = " + port,
        "workers = 0",
        "user = root",
        "swift_dir = " + dir.resolve("etc"),
        "log_address = " + dir.resolve("no-syslog"),
        "recon_cache_path = " + dir.resolve("cache"), "");
  }

  /** One-replica ring (part power 6) with one device {@code d1} on 127.0.0.1:port. */
  private static void ring(Path etc, String kind, String port) {
    String builder = etc.resolve(kind + ".builder").toString();
    Cmd.ok("/usr/bin/swift-ring-builder", builder, "create", "6", "1", "1");
    Cmd.ok("/usr/bin/swift-ring-builder", builder, "add", "r1z1-127.0.0.1:" + port + "/d1", "100");
    Cmd.ok("/usr/bin/swift-ring-builder", builder, "rebalance");
  }

  @Override
  public void close() {
    if (proxy != null) {
      proxy.stop();
    }
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).stop();
    }
    TestFiles.deleteTree(dir);
  }
}
