package charm.content;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StoredGraphTest {
  /** What registry 2.8.2's garbage-collect --dry-run printed for an OCI index with two platforms and an orphan. */
  static final String DRY_RUN = """
      multi/oci
      multi/oci: marking manifest sha256:index\s
      multi/oci: marking blob sha256:amd
      multi/oci: marking blob sha256:arm
      multi/oci: marking manifest sha256:amd\s
      multi/oci: marking blob sha256:amdconfig
      multi/oci: marking blob sha256:shared
      multi/oci: marking manifest sha256:arm\s
      multi/oci: marking blob sha256:armconfig
      multi/oci: marking blob sha256:shared
      multi/oci: marking manifest sha256:orphan\s
      multi/oci: marking blob sha256:orphanlayer
      multi/oci: marking blob sha256:shared
      other
      other: marking manifest sha256:o1\s
      other: marking blob sha256:shared

      12 blobs marked, 0 blobs and 0 manifests eligible for deletion
      """;

  static StoredGraph graph() {
    StoredGraph g = new StoredGraph();
    DRY_RUN.lines().forEach(g::line);
    return g;
  }

  @Test
  void readsEveryStoredManifestAndItsReferences() {
    StoredGraph g = graph();
    assertEquals(Set.of("multi/oci", "other"), g.repositories());
    assertEquals(List.of("sha256:index", "sha256:amd", "sha256:arm", "sha256:orphan"), List.copyOf(g.manifests("multi/oci")));
    assertEquals(List.of("sha256:amd", "sha256:arm"), g.references("multi/oci", "sha256:index"));
    assertEquals(Set.of(), g.manifests("nothing"));
  }

  @Test
  void anIndexReachesItsPlatforms() {
    assertEquals(Set.of("sha256:index", "sha256:amd", "sha256:arm"), graph().reached("multi/oci", Set.of("sha256:index")));
    assertEquals(Set.of("sha256:amd"), graph().reached("multi/oci", Set.of("sha256:amd")));
  }

  @Test
  void markedLeavesOutOnlyWhatDeletedManifestsAloneReference() {
    StoredGraph g = graph();
    Set<String> after = g.marked(Map.of("multi/oci", Set.of("sha256:orphan")));
    assertEquals(false, after.contains("sha256:orphanlayer"));
    assertEquals(false, after.contains("sha256:orphan"));
    assertEquals(true, after.contains("sha256:shared"), "still referenced by the platforms and by another repository");
    Set<String> before = g.marked(Map.of());
    before.removeAll(after);
    assertEquals(Set.of("sha256:orphan", "sha256:orphanlayer"), before);
  }
}
