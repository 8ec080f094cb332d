package charm.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small images built locally for pushing: no network needed. */
final class TestImages {
  private TestImages() {}

  /** An 11-byte single-file image, imported under {@code tag}; returns the tag. */
  static String tiny(Path work, String tag) throws IOException {
    Path dir = Files.createDirectories(work.resolve("tiny"));
    Files.writeString(dir.resolve("hello.txt"), "hello " + tag + "\n");
    Path tar = work.resolve("tiny.tar");
    Cmd.ok("tar", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir.toString(), "-cf", tar.toString(), "hello.txt");
    Cmd.ok("docker", "import", "--change", "CMD [\"/hello.txt\"]", tar.toString(), tag);
    return tag;
  }

  /**
   * A single-file image of {@code bytes} random bytes (so its layer is like no other image's),
   * imported under {@code tag}; returns the tag.
   */
  static String random(Path work, String tag, int bytes) throws IOException {
    Path dir = Files.createTempDirectory(work, "random");
    byte[] content = new byte[bytes];
    new java.security.SecureRandom().nextBytes(content);
    Files.write(dir.resolve("data.bin"), content);
    Path tar = dir.resolve("layer.tar");
    Cmd.ok("tar", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir.toString(), "-cf", tar.toString(), "data.bin");
    Cmd.ok("docker", "import", tar.toString(), tag);
    TestFiles.deleteTree(dir);
    return tag;
  }
}
