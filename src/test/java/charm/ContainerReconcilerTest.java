package charm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import charm.registry.ContainerSpec;
import charm.registry.Owner;
import charm.workload.ContainerState;
import charm.workload.ContainerState.MountInfo;
import charm.workload.HostFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContainerReconcilerTest {
  static final HostFiles FILES = new HostFiles(Path.of("/unit"));
  static final MountInfo CONFIG = new MountInfo("bind", "/unit/etc/docker/registry/config.yml", "/etc/docker/registry/config.yml");
  static final MountInfo DATA = new MountInfo("bind", "/unit/srv/registry", "/var/lib/registry");
  static final Owner OWNER = new Owner("model-uuid", "docker-registry", "docker-registry/0");
  static final ContainerSpec SPEC = new ContainerSpec("registry:2", List.of("serve", "/etc/docker/registry/config.yml"), "reg",
      Map.of("HTTP_PROXY", "http://proxy:3128"), List.of(new ContainerSpec.Mount("/etc/docker/registry/config.yml", "/etc/docker/registry/config.yml", true),
          new ContainerSpec.Mount("/srv/registry", "/var/lib/registry", false)),
      List.of(new ContainerSpec.PortMapping(5000, 5000)), List.of("/tmp"), true, "digest", OWNER);

  private static ContainerState container(Map<String, String> labels, List<MountInfo> mounts) {
    return container(labels, mounts, "registry:2", SPEC.command(), Map.of("HTTP_PROXY", "http://proxy:3128", "PATH", "/bin"));
  }

  private static ContainerState container(Map<String, String> labels, List<MountInfo> mounts, String image, List<String> command,
      Map<String, String> env) {
    return new ContainerState("id", "reg", true, false, 0, 0, "", labels.get(ContainerSpec.HASH_LABEL), "", "", labels, mounts, "sha256:1",
        "running", false, command, env, image);
  }

  @Test
  void thePreviousCharmsContainerIsAdoptedWhenItsImagesAreInTheUnitsDataDirectory() {
    assertEquals(Optional.empty(), ContainerReconciler.adoptionRefusal(container(Map.of(), List.of(CONFIG, DATA)), FILES, false));
  }

  @Test
  void oneKeepingItsImagesInAVolumeOrItsOwnLayerIsNot() {
    MountInfo volume = new MountInfo("volume", "/var/lib/docker/volumes/v/_data", "/var/lib/registry");
    assertEquals(Optional.of(ContainerReconciler.imagesElsewhereMessage("reg", "in /var/lib/docker/volumes/v/_data (a Docker volume)")),
        ContainerReconciler.adoptionRefusal(container(Map.of(), List.of(CONFIG, volume)), FILES, false));
    MountInfo otherDir = new MountInfo("bind", "/data/registry", "/var/lib/registry");
    assertEquals(Optional.of(ContainerReconciler.imagesElsewhereMessage("reg", "in /data/registry")),
        ContainerReconciler.adoptionRefusal(container(Map.of(), List.of(CONFIG, otherDir)), FILES, true));
    assertEquals(Optional.of(ContainerReconciler.imagesElsewhereMessage("reg", "inside the container")),
        ContainerReconciler.adoptionRefusal(container(Map.of(), List.of(CONFIG)), FILES, false));
    assertEquals(Optional.empty(), ContainerReconciler.adoptionRefusal(container(Map.of(), List.of(CONFIG)), FILES, true),
        "with the images on Swift or S3 there is nothing to hide");
  }

  @Test
  void somebodyElsesContainerIsForeign() {
    MountInfo otherConfig = new MountInfo("bind", "/etc/other.yml", "/etc/docker/registry/config.yml");
    assertEquals(Optional.of(ContainerReconciler.foreignMessage("reg")),
        ContainerReconciler.adoptionRefusal(container(Map.of(), List.of(otherConfig, DATA)), FILES, false));
    Map<String, String> anotherUnits = new Owner("other-model", "docker-registry", "docker-registry/0").labels();
    assertEquals(Optional.of(ContainerReconciler.foreignMessage("reg")),
        ContainerReconciler.adoptionRefusal(container(anotherUnits, List.of(CONFIG, DATA)), FILES, false));
  }

  @Test
  void aContainerMadeFromTheSpecMatchesIt() {
    assertEquals(Optional.empty(), ContainerReconciler.differsFromSpec(container(SPEC.labels(), List.of(CONFIG, DATA)), SPEC, FILES));
  }

  @Test
  void copiedLabelsDoNotMakeAContainerOurs() {
    Map<String, String> labels = SPEC.labels();
    assertEquals(Optional.of("mounts"), ContainerReconciler.differsFromSpec(container(labels, List.of(DATA)), SPEC, FILES));
    MountInfo extra = new MountInfo("bind", "/", "/host");
    assertEquals(Optional.of("mounts"), ContainerReconciler.differsFromSpec(container(labels, List.of(CONFIG, DATA, extra)), SPEC, FILES));
    MountInfo anonymous = new MountInfo("volume", "/var/lib/docker/volumes/x/_data", "/cache");
    assertEquals(Optional.empty(), ContainerReconciler.differsFromSpec(container(labels, List.of(CONFIG, DATA, anonymous)), SPEC, FILES),
        "a volume the image declares is not a difference");
    assertEquals(Optional.of("image, command, environment"), ContainerReconciler.differsFromSpec(
        container(labels, List.of(CONFIG, DATA), "evil:1", List.of("serve", "/other.yml"), Map.of()), SPEC, FILES));
  }
}
