package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannerTest {
  private static Plan plan(Map<String, Object> options, String secret) {
    RegistryConfig cfg = RegistryConfig.from(new HashMap<>(options));
    assertEquals(List.of(), cfg.problems());
    return Planner.plan(cfg, secret, "10.0.0.5", new Owner("0b5e6c2a-model", "docker-registry", "docker-registry/0"));
  }

  @Test
  void defaults() {
    Plan p = plan(Map.of(), "s3cr3t");
    assertEquals("10.0.0.5:5000", p.netloc());
    assertEquals("http", p.scheme());
    assertEquals(List.of(5000), List.copyOf(p.ports()));
    Plan.FileSpec config = p.files().get(0);
    assertEquals(Planner.CONFIG_PATH, config.path());
    assertEquals("rw-------", config.mode());
    assertTrue(config.content().contains("secret: \"s3cr3t\"\n"));
    ContainerSpec c = p.container();
    assertEquals("registry:2", c.image());
    assertEquals("registry", c.name());
    assertEquals(Map.of(), c.env());
    assertEquals(List.of(new ContainerSpec.PortMapping(5000, 5000)), c.ports());
    assertEquals(List.of(
        new ContainerSpec.Mount("/etc/docker/registry/config.yml", "/etc/docker/registry/config.yml", true),
        new ContainerSpec.Mount("/srv/registry", "/var/lib/registry", false)), c.mounts());
    assertTrue(c.hardened());
    assertEquals(List.of("/tmp"), c.tmpfs());
    assertEquals(List.of("serve", c.mounts().get(0).containerPath()), c.command(), "serve the mounted config.yml, whatever the image's default");
  }

  @Test
  void theSecretsItHandsTheRegistryAreRedactedFromItsWords() {
    Plan p = plan(Map.of("storage-swift-authurl", "http://keystone:5000/v3", "storage-swift-username", "u",
        "storage-swift-password", "sw1ft-pw", "storage-swift-container", "c",
        "registry-https-proxy", "http://proxy-user:pr%2Fxy-pw@proxy:3128", "auth-basic-user", "op", "auth-basic-password", "b4sic-pw"), "http-s3cr3t");
    String said = "auth failed for u with sw1ft-pw; secret http-s3cr3t; proxy pr%2Fxy-pw or pr/xy-pw; basic b4sic-pw";
    assertEquals("auth failed for u with <redacted>; secret <redacted>; proxy <redacted> or <redacted>; basic <redacted>", p.secrets().redact(said));
    assertEquals("Secrets[5 values]", p.secrets().toString(), "never the values");
  }

  @Test
  void metricsPortsAndProxies() {
    Plan p = plan(Map.of("registry-port", 5443, "prometheus-metrics", true, "debug-port", 9001,
        "registry-http-proxy", "http://proxy:3128", "registry-https-proxy", "http://proxy:3129"), "s");
    assertEquals(List.of(5443, 9001), List.copyOf(p.ports()));
    assertEquals(List.of(new ContainerSpec.PortMapping(5443, 5000), new ContainerSpec.PortMapping(9001, 5001)), p.container().ports());
    assertEquals(Map.of("HTTP_PROXY", "http://proxy:3128", "HTTPS_PROXY", "http://proxy:3129"), p.container().env());
    assertEquals("10.0.0.5:5443", p.netloc());
  }

  /**
   * With the cos-agent relation the metrics are on whatever prometheus-metrics says, and the debug
   * listener (pprof and expvar too) is published on 127.0.0.1 only, with no port opened for it.
   * Without the relation nothing changes, the hash of existing containers included.
   */
  @Test
  void theCosAgentRelationPublishesTheDebugListenerOnLoopbackOnly() {
    Owner owner = new Owner("0b5e6c2a-model", "docker-registry", "docker-registry/0");
    for (boolean metricsOption : List.of(false, true)) {
      RegistryConfig cfg = RegistryConfig.from(new HashMap<>(Map.of("prometheus-metrics", metricsOption, "debug-port", 9001)));
      Plan related = Planner.plan(cfg, "s", "10.0.0.5", owner, java.util.Optional.empty(), java.util.Optional.empty(), 0, true);
      assertEquals(List.of(5000), List.copyOf(related.ports()), "nothing opened for the debug port");
      assertEquals(List.of(new ContainerSpec.PortMapping(5000, 5000), new ContainerSpec.PortMapping(9001, 5001, "127.0.0.1")),
          related.container().ports());
      assertTrue(related.files().get(0).content().contains("    prometheus:\n      enabled: true\n"),
          related.files().get(0).content());
      Plan unrelated = Planner.plan(cfg, "s", "10.0.0.5", owner, java.util.Optional.empty(), java.util.Optional.empty(), 0, false);
      assertEquals(Planner.plan(cfg, "s", "10.0.0.5", owner).container().hash(), unrelated.container().hash());
      assertNotEquals(unrelated.container().hash(), related.container().hash());
    }
    assertEquals("PortMapping[hostPort=9001, containerPort=5001]", new ContainerSpec.PortMapping(9001, 5001).canonical(),
        "the hash line of earlier revisions");
  }

  /**
   * The cache generation labels the container (and so replaces it when raised) only for an
   * in-memory cache on storage the units share; anywhere else it would restart registries for
   * nothing, and generation 0 changes no hash (containers labelled before it existed stay).
   */
  @Test
  void theCacheGenerationLabelsOnlyInMemoryCachesOnSharedStorage() {
    Map<String, Object> s3 = Map.of("storage-s3-region", "us-east-1", "storage-s3-bucket", "b");
    Map<String, Object> swift = Map.of("storage-swift-authurl", "http://10.0.0.9:8080/auth/v1.0", "storage-swift-username", "a:u",
        "storage-swift-password", "p", "storage-swift-container", "c");
    for (Map<String, Object> shared : List.of(s3, swift)) {
      Plan none = plan(shared, "s", 0);
      Plan second = plan(shared, "s", 2);
      assertEquals(null, none.container().labels().get(ContainerSpec.CACHE_GENERATION_LABEL));
      assertEquals("2", second.container().labels().get(ContainerSpec.CACHE_GENERATION_LABEL));
      assertNotEquals(none.container().hash(), second.container().hash(), "a raised generation replaces the container");
      assertEquals(second.container().hash(), plan(shared, "s", 2).container().hash(), "the same generation replaces nothing");
      assertEquals(none.files(), second.files(), "no file changes");
      assertEquals(plan(shared, "s").container().hash(), none.container().hash(), "generation 0 is no generation");
    }
    List<Map<String, Object>> unaffected = List.of(
        Map.of(),
        Map.of("storage-cache", "redis", "storage-cache-redis-address", "10.0.0.9:6379", "storage-s3-region", "us-east-1", "storage-s3-bucket", "b"),
        Map.of("storage-cache", "disabled", "storage-s3-region", "us-east-1", "storage-s3-bucket", "b"));
    for (Map<String, Object> options : unaffected) {
      ContainerSpec spec = plan(options, "s", 7).container();
      assertEquals(0, spec.cacheGeneration(), options.toString());
      assertEquals(plan(options, "s", 0).container().hash(), spec.hash(), options.toString());
    }
  }

  private static Plan plan(Map<String, Object> options, String secret, long cacheGeneration) {
    RegistryConfig cfg = RegistryConfig.from(new HashMap<>(options));
    assertEquals(List.of(), cfg.problems());
    return Planner.plan(cfg, secret, "10.0.0.5", new Owner("0b5e6c2a-model", "docker-registry", "docker-registry/0"),
        java.util.Optional.empty(), java.util.Optional.empty(), cacheGeneration);
  }

  @Test
  void theSpecHashFollowsTheConfigFileContent() {
    String base = plan(Map.of(), "one").container().hash();
    assertEquals(base, plan(Map.of(), "one").container().hash(), "deterministic");
    assertNotEquals(base, plan(Map.of(), "two").container().hash(), "a new shared secret recreates");
    assertNotEquals(base, plan(Map.of("log-level", "debug"), "one").container().hash(), "a config.yml change recreates");
  }
}
