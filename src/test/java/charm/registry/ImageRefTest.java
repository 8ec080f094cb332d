package charm.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageRefTest {
  @ParameterizedTest
  @CsvSource({
    "ubuntu, '', ubuntu, latest, ubuntu:latest, 10.0.0.5:5000/ubuntu:latest",
    "ubuntu:22.04, '', ubuntu, 22.04, ubuntu:22.04, 10.0.0.5:5000/ubuntu:22.04",
    "library/ubuntu:22.04, '', library/ubuntu, 22.04, library/ubuntu:22.04, 10.0.0.5:5000/library/ubuntu:22.04",
    "127.0.0.1:5000/it/tiny:1, 127.0.0.1:5000, it/tiny, 1, 127.0.0.1:5000/it/tiny:1, 10.0.0.5:5000/it/tiny:1",
    "docker.io/library/busybox, docker.io, library/busybox, latest, docker.io/library/busybox:latest, 10.0.0.5:5000/library/busybox:latest",
    "localhost/a/b-c_d.e:v1.2, localhost, a/b-c_d.e, v1.2, localhost/a/b-c_d.e:v1.2, 10.0.0.5:5000/a/b-c_d.e:v1.2",
  })
  void parses(String text, String host, String path, String tag, String canonical, String pushedAs) {
    ImageRef ref = ImageRef.parse(text).orElseThrow();
    assertEquals(host, ref.host());
    assertEquals(path, ref.path());
    assertEquals(tag, ref.tag());
    assertEquals(canonical, ref.toString());
    assertEquals(pushedAs, ref.in("10.0.0.5:5000").toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "UPPER/case", "a//b", "name:", ":tag", "a b", "-lead", "x:tag with space", "host:5000/"})
  void rejects(String text) {
    assertTrue(ImageRef.parse(text).isEmpty(), text);
  }

  @org.junit.jupiter.api.Test
  void digestReferences() {
    String digest = "sha256:" + "a".repeat(64);
    ImageRef ref = ImageRef.parse("reg.example:443/x/y@" + digest).orElseThrow();
    assertEquals(digest, ref.digest());
    assertEquals("reg.example:443/x/y@" + digest, ref.toString());
    assertEquals("10.0.0.5:5000/x/y:latest", ref.in("10.0.0.5:5000").toString());
  }
}
