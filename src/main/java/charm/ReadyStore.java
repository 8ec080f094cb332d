package charm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Where the unit keeps its {@link ReadyRecord}: a file in the charm directory, which only this
 * unit's hooks use (ops keeps its own state there too). Not unit state: a steady update-status then
 * asks Juju for nothing, and renewing the record costs the controller no write.
 *
 * <p>The rule that keeps it true: only a hook that ends with exit 0 and found the unit ready
 * writes it (see {@link Reconciler#settleRecord}); every other hook and action removes it as it
 * starts, so a stop, a series upgrade or a relation change never leaves a record behind that
 * describes the unit as it was before.
 *
 * <p>The record's digests are keyed with a random {@link RecordKey} kept next to it ({@link
 * #KEY_FILE}); the record, the key and their directory are the unit's only (0600, 0700). A key
 * that is missing or unreadable is replaced by a new one: the stored record then does not match
 * and the full reconcile runs, which writes one under the new key.
 */
public final class ReadyStore {
  /** The record's path in the charm directory. */
  public static final String FILE = ".unit-state/ready.json";
  /** The unit's key for the record's digests ({@link RecordKey}), next to it. */
  public static final String KEY_FILE = ".unit-state/record.key";
  /** A store that keeps nothing: every hook takes the full reconcile (tests, and no charm directory). */
  public static final ReadyStore NONE = new ReadyStore(null, null);

  private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

  private final Path file;
  private final Path keyFile;
  /** The key this process uses, once read or made. */
  private RecordKey key;

  private ReadyStore(Path file, Path keyFile) {
    this.file = file;
    this.keyFile = keyFile;
  }

  /** The store of the unit whose charm directory this is. */
  public static ReadyStore in(Path charmDir) {
    return new ReadyStore(charmDir.resolve(FILE), charmDir.resolve(KEY_FILE));
  }

  /** The record, if there is one this revision can read. */
  Optional<ReadyRecord> read() {
    if (file == null) {
      return Optional.empty();
    }
    try {
      return ReadyRecord.decode(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // unreadable: the full reconcile runs and writes a new one
    }
  }

  /**
   * The key of the record's digests: the stored one (one small read, as a steady hook needs), or,
   * when there is none this process can use, a new random one, stored for the hooks after this
   * one. Without a charm directory, a key for this process only.
   */
  RecordKey key() {
    if (key == null) {
      key = file == null ? newKey() : stored().orElseGet(this::storeNewKey);
    }
    return key;
  }

  private Optional<RecordKey> stored() {
    try {
      byte[] bytes = Files.readAllBytes(keyFile);
      return bytes.length == RecordKey.LENGTH ? Optional.of(RecordKey.of(bytes)) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private RecordKey storeNewKey() {
    RecordKey fresh = newKey();
    try {
      replace(keyFile, fresh.bytes());
    } catch (IOException e) {
      // This process still uses it; the record it writes does not match the next hook's key.
      System.err.println("docker-registry charm: cannot keep the ready record's key: " + e.getMessage());
    }
    return fresh;
  }

  private static RecordKey newKey() {
    byte[] bytes = new byte[RecordKey.LENGTH];
    new SecureRandom().nextBytes(bytes);
    return RecordKey.of(bytes);
  }

  /** Replaces the record in one rename: a reader sees the old one or the new one, never half. */
  void write(ReadyRecord record) {
    if (file == null) {
      return;
    }
    try {
      replace(file, record.encode().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // Without a record every hook takes the full reconcile: slower, never wrong.
      System.err.println("docker-registry charm: cannot keep the ready record: " + e.getMessage());
      delete();
    }
  }

  /**
   * Replaces a file of the store in one rename with a file made 0600 before anything is written
   * to it, in a directory of the unit's only (0700; tightened when an earlier revision made it).
   */
  private static void replace(Path target, byte[] content) throws IOException {
    Path dir = target.getParent();
    if (Files.isDirectory(dir)) {
      Files.setPosixFilePermissions(dir, OWNER_RWX);
    } else {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
    }
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try (var out = Files.newByteChannel(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(OWNER_RW))) {
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Removes the record; the next steady hook takes the full reconcile. */
  public void delete() {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      System.err.println("docker-registry charm: cannot remove the ready record: " + e.getMessage());
    }
  }
}
