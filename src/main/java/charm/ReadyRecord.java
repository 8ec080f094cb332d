package charm;

import charm.juju.Json;
import charm.registry.Plan;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the last full reconcile found ready, kept in a file of the charm directory ({@link
 * ReadyStore}) so that update-status can confirm it without asking Juju again for what only a hook
 * can change.
 *
 * <p>Juju runs a hook for every change of the charm's inputs (config-changed for the options and
 * the machine's addresses, the relation hooks, leader-elected, upgrade-charm), and each of those
 * runs the full reconcile, which writes this record when it ends ready. update-status then reads
 * no input from Juju (the full reconcile reads eight) and checks what can change without a hook: the files (content and mode, through a digest), our container (owner labels, spec hash,
 * running) and a registry answering on the port. When anything differs, the record is older than
 * {@link #MAX_AGE}, or the certificate is within its warning days of expiry, update-status runs the
 * full reconcile, which renews the record. The age bounds what a hook skipped with {@code juju
 * resolved --no-retry} can leave unnoticed.
 *
 * <p>config-changed, which Juju runs when the options or the machine's addresses change (and
 * after an agent restart), compares {@link #inputs} too: the same options and address need no
 * more than update-status's check.
 *
 * <p>It holds no secret: paths, modes, digests of the files and of the options, the container's
 * name, id and spec hash, the port and the status message. Every digest is an HMAC-SHA256 under the
 * unit's random {@link RecordKey} (kept apart, see {@link ReadyStore}), so the digest of options
 * that include a password cannot be checked against guessed passwords without the key.
 *
 * @param inputs a keyed digest of the options and the ingress address the state was planned from
 * @param files the checked files, each {@code [path, mode]}, in the order of {@link #digest}
 * @param absent files that must not exist
 * @param htpasswd the htpasswd file and its user ({@code [path, user]}), or empty: it has a fresh
 *     salt each time it is written, so only its user and mode are checked, as before
 * @param sources the files the operator may put in place for the charm to read (the tls-*-path
 *     files) or edit besides the charm (daemon.json, over HTTP: it holds the registry's entry), each
 *     with the SHA-256 of its content (keyed), or "" when it was not there: one appearing, changing
 *     or going away takes the full reconcile
 * @param clientCertificate whether the probe presents the unit's local client certificate
 * @param pin over HTTPS, curl's pin of the served certificate's public key ({@link
 *     charm.workload.CurlProbe#pin}; the certificate is one of the checked files), else ""
 * @param renewBy when the full reconcile must take over again for the certificate's expiry (its
 *     warning starts), or null over plain HTTP
 * @param due when the next maintenance window starts on the leader with a maintenance-schedule
 *     ({@link ScheduledMaintenance}): from then on the full reconcile runs, which checks that the
 *     unit still leads and runs the job; null without a schedule or on a follower
 */
record ReadyRecord(
    Instant at,
    String inputs,
    String container,
    String containerId,
    String specHash,
    List<List<String>> files,
    String digest,
    List<String> absent,
    List<String> htpasswd,
    Map<String, String> sources,
    String scheme,
    int port,
    boolean clientCertificate,
    String pin,
    Instant renewBy,
    String status,
    Instant due) {

  /** After this, update-status runs the full reconcile once (and renews the record). */
  static final Duration MAX_AGE = Duration.ofHours(1);
  private static final int VERSION = 4;

  /** Reads a file's content if it is a regular file with this mode, else empty. */
  interface Files {
    Optional<String> read(String path, String mode);
  }

  /**
   * The record of a ready plan.
   *
   * @param key the key of the record's digests
   * @param containerId the id of the container found serving the plan
   * @param checked the plan's files and any other file whose content and mode a ready unit has
   * @param notAfter the served certificate's expiry, or null
   * @param pin curl's pin of the served certificate's key, or "" over HTTP
   */
  static ReadyRecord of(RecordKey key, Instant now, String inputs, Plan plan, String containerId, List<Plan.FileSpec> checked, List<String> absent, Map<String, String> sources,
      boolean clientCertificate, String pin, Instant notAfter, String status) {
    List<List<String>> files = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    for (Plan.FileSpec f : checked) {
      files.add(List.of(f.path(), f.mode()));
      contents.add(f.content());
    }
    List<String> htpasswd = plan.htpasswd().map(c -> List.of(c.path(), c.user())).orElse(List.of());
    Instant renewBy = notAfter == null ? null : notAfter.minus(Duration.ofDays(TlsSetup.EXPIRY_WARNING_DAYS));
    return new ReadyRecord(now, inputs, plan.container().name(), containerId, plan.container().hash(), files, digest(key, files, contents), List.copyOf(absent),
        htpasswd, new java.util.TreeMap<>(sources), plan.scheme(), ContainerReconciler.port(plan), clientCertificate, pin, renewBy, status, null);
  }

  /** The same record with the status that maintenance settled on and its next window (null: none). */
  ReadyRecord withMaintenance(String status, Instant due) {
    return new ReadyRecord(at, inputs, container, containerId, specHash, files, digest, absent, htpasswd, sources, scheme, port, clientCertificate, pin,
        renewBy, status, due);
  }

  /** Whether update-status may rely on it now, provided the world still matches it. */
  boolean current(Instant now) {
    return !now.isBefore(at) && now.isBefore(at.plus(MAX_AGE)) && (renewBy == null || now.isBefore(renewBy))
        && (due == null || now.isBefore(due));
  }

  /** Whether the files on disk have the recorded content and modes (and none of the absent ones exists). */
  boolean filesMatch(RecordKey key, Files disk, java.util.function.Predicate<String> exists) {
    List<String> contents = new ArrayList<>();
    for (List<String> f : files) {
      Optional<String> content = disk.read(f.get(0), f.get(1));
      if (content.isEmpty()) {
        return false;
      }
      contents.add(content.get());
    }
    return digest.equals(digest(key, files, contents)) && absent.stream().noneMatch(exists);
  }

  String encode() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", VERSION);
    m.put("at", at.getEpochSecond());
    m.put("inputs", inputs);
    m.put("container", container);
    m.put("container-id", containerId);
    m.put("spec-hash", specHash);
    m.put("files", files);
    m.put("digest", digest);
    m.put("absent", absent);
    m.put("htpasswd", htpasswd);
    m.put("sources", sources);
    m.put("scheme", scheme);
    m.put("port", port);
    m.put("client-certificate", clientCertificate);
    m.put("pin", pin);
    m.put("renew-by", renewBy == null ? null : renewBy.getEpochSecond());
    m.put("status", status);
    m.put("due", due == null ? null : due.getEpochSecond());
    return new String(Json.write(m), StandardCharsets.UTF_8);
  }

  /** The record in its stored text; empty when there is none or it is not one this revision wrote. */
  @SuppressWarnings("unchecked")
  static Optional<ReadyRecord> decode(String text) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    try {
      Map<String, Object> m = (Map<String, Object>) Json.parse(text.getBytes(StandardCharsets.UTF_8));
      if (!Integer.valueOf(VERSION).equals(m.get("v"))) {
        return Optional.empty();
      }
      Object renewBy = m.get("renew-by");
      Object due = m.get("due");
      return Optional.of(new ReadyRecord(
          Instant.ofEpochSecond(((Number) m.get("at")).longValue()),
          (String) m.get("inputs"),
          (String) m.get("container"),
          (String) m.get("container-id"),
          (String) m.get("spec-hash"),
          (List<List<String>>) m.get("files"),
          (String) m.get("digest"),
          (List<String>) m.get("absent"),
          (List<String>) m.get("htpasswd"),
          new java.util.TreeMap<>((Map<String, String>) m.get("sources")),
          (String) m.get("scheme"),
          ((Number) m.get("port")).intValue(),
          (Boolean) m.get("client-certificate"),
          (String) java.util.Objects.requireNonNull(m.get("pin")),
          renewBy == null ? null : Instant.ofEpochSecond(((Number) renewBy).longValue()),
          (String) m.get("status"),
          due == null ? null : Instant.ofEpochSecond(((Number) due).longValue())));
    } catch (RuntimeException e) {
      // Not JSON, or another shape: the full reconcile writes a new one.
      return Optional.empty();
    }
  }

  /**
   * The keyed digest of what config-changed announces: the options (config-get's map, keys
   * sorted) and the unit's addresses (the ingress address of the client binding, private and
   * public).
   */
  static String inputs(RecordKey key, Map<String, Object> options, List<String> addresses) {
    return key.mac(new String(Json.write(new java.util.TreeMap<>(options)), StandardCharsets.UTF_8) + "\0" + String.join("\0", addresses));
  }

  /** The digest of an operator's file as {@link #sources} keeps it: "" when it is not there. */
  static String sourceDigest(RecordKey key, Optional<String> content) {
    return content.map(key::mac).orElse("");
  }

  /** Whether the operator's files are as they were (see {@link #sources}). */
  boolean sourcesMatch(RecordKey key, java.util.function.Function<String, Optional<String>> operatorFile) {
    return sources.entrySet().stream().allMatch(e -> e.getValue().equals(sourceDigest(key, operatorFile.apply(e.getKey()))));
  }

  /** HMAC-SHA256 under the key over each file's path, mode and content. */
  private static String digest(RecordKey key, List<List<String>> files, List<String> contents) {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < files.size(); i++) {
      all.append(files.get(i).get(0)).append('\0').append(files.get(i).get(1)).append('\0').append(contents.get(i)).append('\0');
    }
    return key.mac(all.toString());
  }
}
