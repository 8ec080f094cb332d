package charm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Where the unit keeps its {@link ReadyRecord}: a file in the charm directory, which only this
 * unit's hooks use (ops keeps its own state there too). Not unit state: a steady update-status then
 * asks Juju for nothing, and renewing the record costs the controller no write.
 *
 * <p>The rule that keeps it true: only a hook that ends with exit 0 and found the unit ready
 * writes it (see {@link Reconciler#settleRecord}); every other hook and action removes it as it
 * starts, so a stop, a series upgrade or a relation change never leaves a record behind that
 * describes the unit as it was before.
 */
public final class ReadyStore {
  /** The record's path in the charm directory. */
  public static final String FILE = ".unit-state/ready.json";
  /** A store that keeps nothing: every hook takes the full reconcile (tests, and no charm directory). */
  public static final ReadyStore NONE = new ReadyStore(null);

  private final Path file;

  private ReadyStore(Path file) {
    this.file = file;
  }

  /** The store of the unit whose charm directory this is. */
  public static ReadyStore in(Path charmDir) {
    return new ReadyStore(charmDir.resolve(FILE));
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

  /** Replaces the record in one rename: a reader sees the old one or the new one, never half. */
  void write(ReadyRecord record) {
    if (file == null) {
      return;
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, record.encode(), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Without a record every hook takes the full reconcile: slower, never wrong.
      System.err.println("docker-registry charm: cannot keep the ready record: " + e.getMessage());
      delete();
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
