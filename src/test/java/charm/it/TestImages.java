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
}
