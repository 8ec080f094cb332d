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
            BASE.image(), BASE.name(),
            Map.of("HTTPS_PROXY", "http://proxy:3129", "HTTP_PROXY", "http://proxy:3128"),
            BASE.mounts(), BASE.ports(), BASE.tmpfs(), BASE.hardened(), BASE.contentDigest(), BASE.owner());
    assertEquals(BASE.hash(), sameEnvOtherOrder.hash());
    assertEquals(64, BASE.hash().length());
  }

  static Stream<Arguments> oneFieldChanged() {
    return Stream.of(
        Arguments.of("image", (UnaryOperator<ContainerSpec>) s -> with(s, "registry:2.8", s.name(), s.env(), s.ports(), s.hardened(), s.contentDigest())),
        Arguments.of("name", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), "other", s.env(), s.ports(), s.hardened(), s.contentDigest())),
        Arguments.of("env", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), Map.of(), s.ports(), s.hardened(), s.contentDigest())),
        Arguments.of("ports", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), s.env(), List.of(new ContainerSpec.PortMapping(5001, 5000)), s.hardened(), s.contentDigest())),
        Arguments.of("hardened", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), s.env(), s.ports(), false, s.contentDigest())),
        Arguments.of("content", (UnaryOperator<ContainerSpec>) s -> with(s, s.image(), s.name(), s.env(), s.ports(), s.hardened(), "abd")),
        Arguments.of("model", (UnaryOperator<ContainerSpec>) s -> withOwner(s, new Owner("another-model", "docker-registry", "docker-registry/0"))),
        Arguments.of("application", (UnaryOperator<ContainerSpec>) s -> withOwner(s, new Owner(s.owner().modelUuid(), "registry-b", "docker-registry/0"))));
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

  private static ContainerSpec withOwner(ContainerSpec s, Owner owner) {
    return new ContainerSpec(s.image(), s.name(), s.env(), s.mounts(), s.ports(), s.tmpfs(), s.hardened(), s.contentDigest(), owner);
  }

  private static ContainerSpec with(
      ContainerSpec s, String image, String name, Map<String, String> env, List<ContainerSpec.PortMapping> ports, boolean hardened, String digest) {
    return new ContainerSpec(image, name, env, s.mounts(), ports, s.tmpfs(), hardened, digest, s.owner());
  }
}
