package charm.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void anImageManifestListsConfigAndLayersWithSizes() {
    String text = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
        + "\"config\":{\"digest\":\"sha256:c\",\"size\":10},\"layers\":[{\"digest\":\"sha256:l1\",\"size\":100},{\"digest\":\"sha256:l2\",\"size\":200}]}";
    Manifest m = Manifest.parse("sha256:m", "", b(text));
    assertEquals("sha256:c", m.config());
    assertEquals(List.of(new Manifest.Blob("sha256:c", 10), new Manifest.Blob("sha256:l1", 100), new Manifest.Blob("sha256:l2", 200)), m.blobs());
    assertEquals(text.length(), m.size());
    assertFalse(m.isIndex());
  }

  @Test
  void anOciManifestWithoutMediaTypeTakesTheServedOne() {
    Manifest m = Manifest.parse("sha256:m", "application/vnd.oci.image.manifest.v1+json",
        b("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:c\",\"size\":1},\"layers\":[]}"));
    assertEquals("application/vnd.oci.image.manifest.v1+json", m.mediaType());
  }

  @Test
  void anIndexListsItsPlatforms() {
    Manifest m = Manifest.parse("sha256:i", "", b("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + "{\"digest\":\"sha256:a\",\"size\":5,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
        + "{\"digest\":\"sha256:b\",\"size\":6}]}"));
    assertTrue(m.isIndex());
    assertEquals(List.of(new Manifest.Child("sha256:a", 5, "linux/arm64/v8"), new Manifest.Child("sha256:b", 6, "")), m.children());
    assertEquals(List.of(), m.blobs());
  }

  @Test
  void aSchema1ManifestListsItsLayersWithoutSizes() {
    Manifest m = Manifest.parse("sha256:s", "", b("{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"sha256:x\"}]}"));
    assertEquals(Manifest.SCHEMA1, m.mediaType());
    assertEquals(List.of(new Manifest.Blob("sha256:x", 0)), m.blobs());
  }

  @Test
  void somethingElseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Manifest.parse("sha256:x", "", b("not json")));
    assertThrows(IllegalArgumentException.class, () -> Manifest.parse("sha256:x", "", b("[1]")));
    assertThrows(IllegalArgumentException.class, () -> Manifest.parse("sha256:x", "", b("{\"schemaVersion\":2}")));
  }
}
