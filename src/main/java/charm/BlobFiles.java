package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.registry.ContainerSpec;
import charm.registry.Pems;
import charm.registry.RegistryConfig;
import charm.workload.HostFiles;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tls-*-path files written from the tls-*-blob options, and only those. The unit state key
 * {@link TlsSetup#BLOB_FILES} lists each file the charm wrote with the SHA-256 of what it wrote
 * ("path digest" lines): those are its own.
 *
 * <ul>
 *   <li>A blob goes to its path when nothing is there, when the file is one the record lists (it
 *       is rewritten, whoever changed it since), or when the file already holds exactly the blob
 *       (as the previous charm left it; the charm takes it over). Anything else there (the
 *       operator's file, daemon.json, a link, a directory) is not written: the whole change is
 *       refused, naming the path option and the blob.
 *   <li>A recorded file no blob is written to any more (its blob unset, alone or with the others,
 *       or its path option changed) is removed when it still holds what the charm wrote; a file
 *       changed since is left and forgotten.
 * </ul>
 *
 * <p>{@link #plan} decides without writing; {@link #apply} carries it out, so a caller can check
 * the material the files will hold ({@link Change#contentAfter}) before any file changes.
 */
final class BlobFiles {
  private final HookTools tools;
  private final HostFiles files;

  BlobFiles(HookTools tools, HostFiles files) {
    this.tools = tools;
    this.files = files;
  }

  /** A blob to write to its path option's file. */
  record Write(String pathOption, String blobOption, String path, byte[] content, String mode) {
    @Override
    public String toString() {
      return "Write[" + blobOption + " -> " + path + "]";
    }
  }

  /**
   * What {@link #apply} will do: the files to write, the recorded ones to remove, those to forget
   * (changed since the charm wrote them, so left), the record afterwards; or, when {@code refused}
   * is not empty, nothing at all.
   *
   * @param refused one operator-facing reason per path that names a file the charm did not write
   */
  record Change(List<Write> writes, List<String> removals, List<String> forgotten, String record, List<String> refused) {
    /**
     * A path's content once the change is applied: a blob's, absent for a removed file, else
     * whatever is there now (read by {@code now}).
     */
    Optional<String> contentAfter(String path, java.util.function.Function<String, Optional<String>> now) {
      for (Write w : writes) {
        if (w.path().equals(path)) {
          return Optional.of(new String(w.content(), StandardCharsets.UTF_8));
        }
      }
      return removals.contains(path) ? Optional.empty() : now.apply(path);
    }
  }

  /** Decides what the options ask for, against the record (the unit state value, or null). */
  Change plan(RegistryConfig.Tls options, String stateRecord) {
    Map<String, String> recorded = parse(stateRecord);
    List<Write> wanted = wanted(options);
    List<String> refused = new ArrayList<>();
    for (Write w : wanted) {
      if (!mayWrite(w, recorded)) {
        refused.add(w.pathOption() + " names " + w.path() + ", a file the charm did not write: " + w.blobOption()
            + " is not written over it (set " + w.pathOption() + " to a new file, or move that one away)");
      }
    }
    Map<String, String> record = new TreeMap<>();
    wanted.forEach(w -> record.put(w.path(), digest(w.content())));
    List<String> removals = new ArrayList<>();
    List<String> forgotten = new ArrayList<>();
    for (Map.Entry<String, String> r : recorded.entrySet()) {
      if (!record.containsKey(r.getKey())) {
        (stillAsWritten(r.getKey(), r.getValue()) ? removals : forgotten).add(r.getKey());
      }
    }
    StringBuilder text = new StringBuilder();
    record.forEach((path, digest) -> text.append(path).append(' ').append(digest).append('\n'));
    return new Change(wanted, removals, forgotten, text.toString(), refused);
  }

  /** Writes and removes as planned, and keeps the record in unit state; a refused change does nothing. */
  void apply(Change change, String stateRecord) {
    if (!change.refused().isEmpty()) {
      return;
    }
    for (Write w : change.writes()) {
      HostFiles.Change done = files.ensureFile(w.path(), w.content(), w.mode());
      if (done == HostFiles.Change.CONTENT) {
        tools.log(LogLevel.INFO, "Wrote " + w.path() + " from " + w.blobOption());
      } else if (done == HostFiles.Change.MODE) {
        tools.log(LogLevel.INFO, "Fixed the mode of " + w.path() + " (" + w.mode() + ")");
      }
    }
    for (String path : change.removals()) {
      if (files.delete(path)) {
        tools.log(LogLevel.INFO, "Removed " + path + " (written from a tls-*-blob option no longer set for it)");
      }
    }
    for (String path : change.forgotten()) {
      if (files.exists(path)) {
        tools.log(LogLevel.INFO, "Left " + path + ": changed since the charm wrote it from a tls-*-blob option, so no longer the charm's");
      }
    }
    String current = stateRecord == null ? "" : stateRecord;
    if (!change.record().equals(current)) {
      if (change.record().isEmpty()) {
        tools.stateDelete(TlsSetup.BLOB_FILES);
      } else {
        tools.stateSet(Map.of(TlsSetup.BLOB_FILES, change.record()));
      }
    }
  }

  /** The blobs to write: none unless tls-cert-blob is set (tls-key-blob comes with it). */
  private static List<Write> wanted(RegistryConfig.Tls options) {
    List<Write> out = new ArrayList<>();
    if (options.certBlob().isEmpty()) {
      return out;
    }
    out.add(new Write("tls-cert-path", "tls-cert-blob", options.certPath(), decoded(options.certBlob()), "rw-r--r--"));
    out.add(new Write("tls-key-path", "tls-key-blob", options.keyPath(), decoded(options.keyBlob()), "rw-------"));
    if (!options.caBlob().isEmpty()) {
      out.add(new Write("tls-ca-path", "tls-ca-blob", options.caPath(), decoded(options.caBlob()), "rw-r--r--"));
    }
    return out;
  }

  /** Nothing there, a regular file the record lists, or a regular file holding exactly the blob. */
  private boolean mayWrite(Write w, Map<String, String> recorded) {
    if (!files.exists(w.path())) {
      return true;
    }
    if (!files.isRegularFile(w.path())) {
      return false;
    }
    return recorded.containsKey(w.path()) || files.read(w.path()).map(c -> Arrays.equals(c, w.content())).orElse(false);
  }

  private boolean stillAsWritten(String path, String digest) {
    return files.isRegularFile(path) && files.read(path).map(c -> digest(c).equals(digest)).orElse(false);
  }

  /** "path digest" lines; the path may hold spaces, the digest does not. */
  private static Map<String, String> parse(String record) {
    Map<String, String> out = new LinkedHashMap<>();
    if (record == null) {
      return out;
    }
    for (String line : record.split("\n")) {
      int space = line.lastIndexOf(' ');
      if (space > 0) {
        out.put(line.substring(0, space), line.substring(space + 1));
      }
    }
    return out;
  }

  private static byte[] decoded(String blob) {
    return Pems.decode(blob).orElseThrow().getBytes(StandardCharsets.UTF_8); // validated with the options
  }

  private static String digest(byte[] content) {
    return ContainerSpec.sha256(new String(content, StandardCharsets.UTF_8));
  }
}
