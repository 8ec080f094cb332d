package charm.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small images built locally for pushing: no network needed. */
final class TestImages {
  private static final Pattern PUSHED_DIGEST = Pattern.compile("digest: (sha256:[0-9a-f]{64})");

  /** The manifest digest in what {@code docker push} printed. */
  static String pushedDigest(String pushOutput) {
    Matcher m = PUSHED_DIGEST.matcher(pushOutput);
    assertTrue(m.find(), "push printed no digest: " + pushOutput);
    return m.group(1);
  }

  /** {@code docker push ref}; returns the manifest digest it printed. */
  static String push(String ref) {
    return pushedDigest(Cmd.ok("docker", "push", ref));
  }

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
   * A single-layer image of one file of {@code bytes} random bytes (so its compressed layer is
   * as large), imported under {@code tag}; returns the tag.
   */
  static String random(Path work, String tag, int bytes) throws IOException {
    Path dir = Files.createDirectories(work.resolve("random-" + TestFiles.safeName(tag)));
    byte[] data = new byte[1 << 20];
    java.util.SplittableRandom random = new java.util.SplittableRandom(System.nanoTime());
    try (java.io.OutputStream out = Files.newOutputStream(dir.resolve("random.bin"))) {
      for (int left = bytes; left > 0; left -= data.length) {
        for (int i = 0; i < data.length; i += 8) {
          long v = random.nextLong();
          for (int j = 0; j < 8; j++) {
            data[i + j] = (byte) (v >>> (8 * j));
          }
        }
        out.write(data, 0, Math.min(left, data.length));
      }
    }
    Path tar = work.resolve("random-" + TestFiles.safeName(tag) + ".tar");
    Cmd.ok("tar", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir.toString(), "-cf", tar.toString(), "random.bin");
    Cmd.ok("docker", "import", "--change", "CMD [\"/random.bin\"]", tar.toString(), tag);
    TestFiles.deleteTree(dir);
    Files.delete(tar);
    return tag;
  }
}
