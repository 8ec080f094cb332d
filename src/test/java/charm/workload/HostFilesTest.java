package charm.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostFilesTest {
  @TempDir Path root;

  @Test
  void writesUnderTheRootWithTheModeAndLeavesNoTempFile() throws Exception {
    HostFiles files = new HostFiles(root);
    assertTrue(files.ensure("/etc/docker/registry/config.yml", bytes("a: 1\n"), "rw-------"));
    Path written = root.resolve("etc/docker/registry/config.yml");
    assertEquals("a: 1\n", Files.readString(written));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(written)));
    try (Stream<Path> siblings = Files.list(written.getParent())) {
      assertEquals(1, siblings.count());
    }
  }

  @Test
  void sameContentIsNotRewritten() throws Exception {
    HostFiles files = new HostFiles(root);
    files.ensure("/x/y.txt", bytes("same"), "rw-r--r--");
    Path path = root.resolve("x/y.txt");
    FileTime old = FileTime.fromMillis(1_000_000L);
    Files.setLastModifiedTime(path, old);
    assertFalse(files.ensure("/x/y.txt", bytes("same"), "rw-r--r--"));
    assertEquals(old, Files.getLastModifiedTime(path));
  }

  @Test
  void changedModeOrContentIsRewrittenAtomically() throws Exception {
    HostFiles files = new HostFiles(root);
    files.ensure("/x/y.txt", bytes("one"), "rw-r--r--");
    assertTrue(files.ensure("/x/y.txt", bytes("one"), "rw-------"));
    long inode = (long) Files.getAttribute(root.resolve("x/y.txt"), "unix:ino");
    assertTrue(files.ensure("/x/y.txt", bytes("two"), "rw-------"));
    assertArrayEquals(bytes("two"), files.read("/x/y.txt").orElseThrow());
    // a rename, not an in-place write: readers never see a half-written file
    assertFalse(inode == (long) Files.getAttribute(root.resolve("x/y.txt"), "unix:ino"));
  }

  @Test
  void readAndDeleteOfMissingFiles() {
    HostFiles files = new HostFiles(root);
    assertTrue(files.read("/nope").isEmpty());
    assertFalse(files.delete("/nope"));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
