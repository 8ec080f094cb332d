package charm.content;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageTest {
  static Manifest image(String digest, long size, Manifest.Blob... blobs) {
    return new Manifest(digest, "application/vnd.oci.image.manifest.v1+json", size, blobs[0].digest(), List.of(blobs), List.of());
  }

  @Test
  void ownAndSharedBytesAndEachBlobOnce() {
    Manifest.Blob shared = new Manifest.Blob("sha256:shared", 1000);
    Manifest a = image("sha256:a", 10, new Manifest.Blob("sha256:ca", 1), shared, new Manifest.Blob("sha256:la", 100));
    Manifest b = image("sha256:b", 20, new Manifest.Blob("sha256:cb", 2), shared);
    Manifest index = new Manifest("sha256:i", Manifest.OCI_INDEX, 30, "", List.of(), List.of(new Manifest.Child("sha256:b", 20, "linux/arm64")));
    Usage u = new Usage();
    u.add("x", List.of(new ContentReader.Tagged("1", a), new ContentReader.Tagged("2", a)), d -> Optional.empty());
    Map<String, Manifest> known = Map.of("sha256:b", b);
    u.add("y", List.of(new ContentReader.Tagged("multi", index)), d -> Optional.ofNullable(known.get(d)));
    assertEquals(List.of(new Usage.Line("x", 2, 1, 10 + 1 + 100, 1000), new Usage.Line("y", 1, 2, 30 + 20 + 2, 1000)), u.lines());
    assertEquals(10 + 1 + 100 + 1000 + 30 + 20 + 2, u.uniqueBytes());
    assertEquals(3, u.tags());
  }
}
