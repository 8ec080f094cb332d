package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class ContainerSpecTest {
  static final ContainerSpec BASE =
      new ContainerSpec(
          "registry:2",
          Planner.COMMAND,
          "registry",
          Map.of("HTTP_PROXY", "http://proxy:3128", "HTTPS_PROXY", "http://proxy:3129"),
          List.of(new ContainerSpec.Mount("/etc/docker/registry/config.yml", "/etc/docker/registry/config.yml", true)),
          List.of(new ContainerSpec.PortMapping(5000, 5000)),
          List.of("/tmp"),
          true,
          "abc",
          new Owner("9f0d7a8e-1111-4c5b-8a3e-5d2c1b0a9f00", "docker-registry", "docker-registry/0"));

  @Test
  void hashIsStableAndIgnoresMapOrder() {
    ContainerSpec sameEnvOtherOrder =
        new ContainerSpec(
            BASE.image(), BASE.command(), BASE.name(),
            Map.of("HTTPS_PROXY", "http://proxy:3129", "HTTP_PROXY", "http://proxy:3128"),
            BASE.mounts(), BASE.ports(), BASE.tmpfs(), BASE.hardened(), BASE.contentDigest(), BASE.owner());
    assertEquals(BASE.hash(), sameEnvOtherOrder.hash());
    assertEquals(64, BASE.hash().length());
  }

  /**
   * The hash is in the label of every running container: the same spec must give the same hash in
   * every revision of the charm, or an upgrade replaces every registry. Pinned to the values of
   * the revision that gave every container its log driver and rotation.
   */
  @Test
  void hashIsTheOneThisRevisionLabelsContainersWith() {
    assertEquals(List.of("serve", "/etc/docker/registry/config.yml"), BASE.command());
    assertEquals("003ebb92d4e645bf8040ad584e614e39c9c3488a9b5471e78ab44a30c73f2f36", BASE.hash());
    assertEquals(Map.of("max-size", "10m", "max-file", "3"), ContainerSpec.logOptions());
  }

  /**
   * The log driver and its rotation are in the hash: a container of the revisions before them
   * (pinned: the revision that made the command a field, and the ones before it without a command)
   * is replaced once by the first hook after the upgrade, with one the engine logs for bounded.
   */
  @Test
  void aContainerOfTheRevisionsBeforeTheLogConfigIsReplacedOnce() {
    assertNotEquals("c8f64b301ff6d4b0408a4f8024fc4a4958d9a0b4db569c2c60046374ec75244d", BASE.hash());
    assertNotEquals("a40074fb87d7d005a6a2bf7f75c8be81cc496a614d76cffed9576a84a1d8fd41", twoOfEach(BASE).hash());
    ContainerSpec earlier = withCommand(BASE, List.of());
    assertNotEquals("255bb3723f131ac0596842c189412efe2d02fca9a629eafacea8492dea734a0d", earlier.hash());
    assertNotEquals("7bb10d0f9067a8d72f4e129c834b72d7cb4be8c946fac656235ffff817ae867a", twoOfEach(earlier).hash());
  }

  /**
   * Earlier revisions set no command (the image's default ran) and hashed no command line (their
   * labels are pinned above). A spec without a command hashes otherwise than the planned one, so
   * a container without it is replaced, with one that runs {@code serve <our config.yml>}
   * whatever the image's default.
   */
  @Test
  void aSpecWithoutTheCommandHashesOtherwise() {
    ContainerSpec earlier = withCommand(BASE, List.of());
    assertNotEquals(earlier.hash(), BASE.hash());
    assertNotEquals(twoOfEach(earlier).hash(), twoOfEach(BASE).hash());
  }

  private static ContainerSpec twoOfEach(ContainerSpec s) {
    return new ContainerSpec(s.image(), s.command(), s.name(), s.env(),
        List.of(s.mounts().get(0), new ContainerSpec.Mount("/srv/registry", "/var/lib/registry", false)),
        List.of(new ContainerSpec.PortMapping(5000, 5000), new ContainerSpec.PortMapping(5001, 5001)),
        s.tmpfs(), s.hardened(), s.contentDigest(), s.owner());
  }

  @Test
  void canonicalTextIsTheRecordsOwnToString() {
    ContainerSpec.Mount mount = new ContainerSpec.Mount("/a b", "/c", false);
    ContainerSpec.PortMapping port = new ContainerSpec.PortMapping(15000, 5001);
    assertEquals(mount.toString(), mount.canonical());
    assertEquals("PortMapping[hostPort=15000, containerPort=5001]", port.canonical(),
        "the generated toString of the two-field record earlier revisions hashed");
    assertEquals("PortMapping[hostPort=15000, containerPort=5001, hostIp=127.0.0.1]",
        new ContainerSpec.PortMapping(15000, 5001, "127.0.0.1").canonical());
  }

  static Stream<Arguments> oneFieldChanged() {
    return Stream.of(
        Arguments.of("image", (UnaryOperator<ContainerSpec>) s -> with(s, "registry:2.8", s.name(), s.env(), s.ports(), s.hardened(), s.contentDigest())),
        Arguments.of("command", (UnaryOperator<ContainerSpec>) s -> withCommand(s, List.of("serve", "/etc/distribution/config.yml"))),
        Arguments.of("no command", (UnaryOperator<ContainerSpec>) s -> withCommand(s, List.of())),
        Arguments.of("command split otherwise", (UnaryOperator<ContainerSpec>) s -> withCommand(s, List.of("serve /etc/docker/registry/config.yml"))),
        Arguments.of("name", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), "other", s.env(), s.ports(), s.hardened(), s.contentDigest())),
        Arguments.of("env", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), Map.of(), s.ports(), s.hardened(), s.contentDigest())),
        Arguments.of("ports", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), s.env(), List.of(new ContainerSpec.PortMapping(5001, 5000)), s.hardened(), s.contentDigest())),
        Arguments.of("hardened", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), s.env(), s.ports(), false, s.contentDigest())),
        Arguments.of("content", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), s.env(), s.ports(), s.hardened(), "abd")),
        Arguments.of("model", (UnaryOperator<ContainerSpec>) s -> withOwner(s, new Owner("another-model", "docker-registry", "docker-registry/0"))),
        Arguments.of("application", (UnaryOperator<ContainerSpec>) s -> withOwner(s, new Owner(s.owner().modelUuid(), "registry-b", "docker-registry/0"))),
        Arguments.of("cache generation", (UnaryOperator<ContainerSpec>) s -> withGeneration(s, 1)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oneFieldChanged")
  void hashChangesWhenOneFieldChanges(String field, UnaryOperator<ContainerSpec> change) {
    assertNotEquals(BASE.hash(), change.apply(BASE).hash(), field);
  }

  @Test
  void labelsNameTheOwnerAndTheHash() {
    Map<String, String> labels = BASE.labels();
    assertEquals(BASE.hash(), labels.get(ContainerSpec.HASH_LABEL));
    assertEquals("docker-registry/0", labels.get(Owner.UNIT_LABEL));
    assertEquals("docker-registry", labels.get(Owner.APPLICATION_LABEL));
    assertEquals(BASE.owner().modelUuid(), labels.get(Owner.MODEL_LABEL));
    assertEquals(true, BASE.owner().owns(labels));
    assertEquals(false, new Owner("another-model", "docker-registry", "docker-registry/0").owns(labels), "same unit name, other model");
    assertEquals(false, new Owner(BASE.owner().modelUuid(), "docker-registry", "docker-registry/1").owns(labels));
  }

  @Test
  void theCacheGenerationIsALabelOnlyAboveZero() {
    assertEquals(BASE.hash(), withGeneration(BASE, 0).hash(), "generation 0 keeps the hash earlier revisions labelled with");
    assertEquals(null, BASE.labels().get(ContainerSpec.CACHE_GENERATION_LABEL));
    ContainerSpec third = withGeneration(BASE, 3);
    assertEquals("3", third.labels().get(ContainerSpec.CACHE_GENERATION_LABEL));
    assertEquals(third.hash(), third.labels().get(ContainerSpec.HASH_LABEL));
    assertNotEquals(withGeneration(BASE, 2).hash(), third.hash());
    assertEquals(third.hash(), withGeneration(BASE, 3).hash());
    assertEquals(true, BASE.owner().owns(third.labels()));
  }

  private static ContainerSpec withGeneration(ContainerSpec s, long generation) {
    return new ContainerSpec(s.image(), s.command(), s.name(), s.env(), s.mounts(), s.ports(), s.tmpfs(), s.hardened(), s.contentDigest(), s.owner(), generation);
  }

  private static ContainerSpec withOwner(ContainerSpec s, Owner owner) {
    return new ContainerSpec(s.image(), s.command(), s.name(), s.env(), s.mounts(), s.ports(), s.tmpfs(), s.hardened(), s.contentDigest(), owner);
  }

  private static ContainerSpec withCommand(ContainerSpec s, List<String> command) {
    return new ContainerSpec(s.image(), command, s.name(), s.env(), s.mounts(), s.ports(), s.tmpfs(), s.hardened(), s.contentDigest(), s.owner());
  }

  private static ContainerSpec with(
      ContainerSpec s, String image, String name, Map<String, String> env, List<ContainerSpec.PortMapping> ports, boolean hardened, String digest) {
    return new ContainerSpec(image, s.command(), name, env, s.mounts(), ports, s.tmpfs(), hardened, digest, s.owner());
  }
}
