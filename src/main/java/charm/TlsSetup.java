package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.juju.Status;
import charm.registry.Layout;
import charm.registry.RegistryConfig;
import charm.registry.ServedTls;
import charm.tls.CertProvider;
import charm.tls.CertificateCheck;
import charm.tls.Csr;
import charm.tls.Keys;
import charm.tls.LocalCa;
import charm.tls.TlsMaterial;
import charm.workload.HostFiles;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the registry's TLS material comes from, checked before use. The first source that has
 * material wins:
 *
 * <ol>
 *   <li>the {@code cert-provider} relation: every unit publishes a request in both protocols
 *       (legacy keys for easyrsa and reactive vault, a CSR for modern providers) and uses
 *       whichever the provider answers, modern first. The request names the unit's addresses and
 *       host names, or exactly tls-certificate-names; a modern provider's refusal of it
 *       ({@code request_errors}) blocks the unit with the provider's reason;
 *   <li>{@code tls-cert-blob} and {@code tls-key-blob} (and {@code tls-ca-blob}), decoded and
 *       written to the tls-*-path files once checked, and only to files the charm owns ({@link
 *       BlobFiles});
 *   <li>the files at {@code tls-cert-path} and {@code tls-key-path} (and {@code tls-ca-path}).
 * </ol>
 *
 * <p>Material that does not parse, whose key does not match, that has expired or does not name
 * the host clients are told to use (http-host's, else the proxy's or the unit's address) is
 * refused: the unit blocks with the reason and the registry keeps its previous configuration.
 * Material whose only problem is a start still ahead makes the unit wait until then, the same
 * way. The registry serves validated copies (see {@link Layout#TLS_DIR}), never the source files
 * themselves.
 */
final class TlsSetup {
  static final String ENDPOINT = "cert-provider";
  /** Unit state: the tls-*-path files this unit wrote from blobs, with their digests. */
  static final String BLOB_FILES = "tls-blob-files";
  static final int EXPIRY_WARNING_DAYS = 14;

  private static final String KEY = Layout.CERT_PROVIDER_DIR + "/request.key";
  private static final String CSR = Layout.CERT_PROVIDER_DIR + "/request.csr";
  private static final String CSR_NAMES = Layout.CERT_PROVIDER_DIR + "/request.names";
  private static final String LOCAL_CA_KEY = Layout.LOCAL_CA_DIR + "/ca.key";
  private static final String LOCAL_CA_CERT = Layout.LOCAL_CA_DIR + "/ca.crt";
  /** The unit's local client identity (see {@link #localClient}). */
  static final String LOCAL_CLIENT_KEY = Layout.LOCAL_CA_DIR + "/client.key";
  static final String LOCAL_CLIENT_CERT = Layout.LOCAL_CA_DIR + "/client.crt";

  /** The unit's client identity for its own clients when the registry verifies clients. */
  record LocalClient(String keyPem, String certPem) {
    @Override
    public String toString() {
      return "LocalClient[<redacted>]";
    }
  }

  /**
   * What to serve. {@code served} empty means plain HTTP; {@code problem} (blocked or waiting)
   * means "change nothing"; {@code trustPem} is what the unit's engine trusts (the CA, else the
   * certificate); {@code warning} is added to an active status (a certificate near expiry);
   * {@code notAfter} is the served certificate's expiry.
   */
  record Outcome(Optional<ServedTls> served, Optional<Status> problem, String trustPem, LocalClient client, String warning, Instant notAfter) {
    static Outcome plain() {
      return new Outcome(Optional.empty(), Optional.empty(), null, null, null, null);
    }

    static Outcome refused(String message) {
      return new Outcome(Optional.empty(), Optional.of(Status.blocked(message)), null, null, null, null);
    }
  }

  /**
   * The unit's address, http-host's host ("" when unset) and the website proxy's address (""
   * without one). A request for a certificate asks for all of them.
   */
  record Names(String ingress, String httpHost, String proxy) {
    /**
     * The host clients are told to use ({@code Planner.netloc}: the docker-registry relation's
     * netloc, the status): http-host's, else the proxy's address, else the unit's. The served
     * certificate must name it.
     */
    String clientHost() {
      return !httpHost.isEmpty() ? httpHost : !proxy.isEmpty() ? proxy : ingress;
    }

    /** Where {@link #clientHost} comes from, for the operator. */
    String clientHostSource() {
      return !httpHost.isEmpty() ? "http-host" : !proxy.isEmpty() ? "the website proxy's address" : "the unit's address";
    }
  }

  private final HookTools tools;
  private final HostFiles files;
  private final BlobFiles blobFiles;
  private final String unitName;
  private final String brokenRelation;

  /**
   * @param brokenRelation the relation id of a {@code cert-provider-relation-broken} hook (the
   *     relation is still listed while it breaks, but it is gone), or ""
   */
  TlsSetup(HookTools tools, HostFiles files, String unitName, String brokenRelation) {
    this.tools = tools;
    this.files = files;
    this.blobFiles = new BlobFiles(tools, files);
    this.unitName = unitName;
    this.brokenRelation = brokenRelation;
  }

  /** The cert-provider relation this unit uses, if any. */
  Optional<String> relation() {
    return tools.relationIds(ENDPOINT).stream().filter(id -> !id.equals(brokenRelation)).findFirst();
  }

  /**
   * Decides what to serve; writes the request key and the local CA as needed, and the blob files
   * once the material they make is usable (or the cert-provider's is served instead). A refused
   * or not yet valid material leaves the blob files as they were.
   */
  Outcome prepare(RegistryConfig cfg, Names names, Map<String, String> state, Instant now) {
    Optional<String> relation = relation();
    Answered answered = relation.isPresent() ? fromRelation(relation.get(), names, cfg.certificateNames()) : Answered.NOTHING;
    Optional<Source> source = answered.source();
    if (relation.isEmpty()) {
      forgetRequest();
    }
    RegistryConfig.Tls options = cfg.tls();
    boolean blobs = !options.certBlob().isEmpty();
    String record = state.get(BLOB_FILES);
    BlobFiles.Change change = blobFiles.plan(options, record);
    if (!change.refused().isEmpty()) {
      String reason = String.join("; ", change.refused());
      tools.log(LogLevel.ERROR, reason);
      return Outcome.refused(reason);
    }
    if (relation.isPresent()) {
      blobFiles.apply(change, record); // the options' files follow the options, served or not
      if (source.isEmpty() && answered.refusal().isPresent()) {
        CertProvider.Refusal refusal = answered.refusal().get();
        tools.log(LogLevel.ERROR, "cert-provider refused the certificate request (" + refusal.details() + ")");
        return Outcome.refused("cert-provider refused the certificate request: " + refusal.text());
      }
      if (source.isEmpty()) {
        // Related for TLS: never serve plain meanwhile.
        return new Outcome(Optional.empty(), Optional.of(Status.waiting("Waiting for a certificate from cert-provider")), null, null, null, null);
      }
      if (blobs || files.isFileOrLinkToOne(options.certPath())) {
        tools.log(LogLevel.INFO, "Serving the cert-provider certificate; the tls-* options are not used while it is related");
      }
      return validate(source.get(), cfg.verifyClients(), cfg.clientCaCertificates(), names, now);
    }
    source = fromPaths(options, blobs ? "tls-*-blob" : "tls-*-path", change);
    if (source.isEmpty()) {
      blobFiles.apply(change, record);
      return Outcome.plain();
    }
    Outcome outcome = validate(source.get(), cfg.verifyClients(), cfg.clientCaCertificates(), names, now);
    if (outcome.problem().isEmpty()) {
      blobFiles.apply(change, record);
    }
    return outcome;
  }

  /**
   * @param clientCas tls-client-ca-blob's CAs: with verifyClients they join the client CAs (the
   *     known CA and the unit's local CA), and turn the client check on without a known CA
   */
  private Outcome validate(Source s, boolean verifyClients, List<String> clientCas, Names names, Instant now) {
    CertificateCheck.Result check = CertificateCheck.check(s.material(), List.of(names.clientHost()), names.clientHostSource(), now);
    if (check.onlyNotYetValid()) {
      // Unlike an expired certificate, this one becomes usable by itself: the previous material
      // serves meanwhile, and a waiting unit writes no ready record, so every update-status looks again.
      String reason = check.problems().get(0);
      tools.log(LogLevel.WARNING, "TLS material from " + s.name() + " not used yet: " + reason);
      return new Outcome(Optional.empty(), Optional.of(Status.waiting("TLS from " + s.name() + ": " + reason + "; waiting until then")),
          null, null, null, null);
    }
    if (!check.ok()) {
      String reason = String.join("; ", check.problems());
      tools.log(LogLevel.ERROR, "TLS material from " + s.name() + " refused: " + reason);
      return Outcome.refused("TLS from " + s.name() + ": " + reason);
    }
    String ca = s.material().caPem();
    LocalClient client = null;
    String clientCasPem = null;
    boolean knownCa = ca != null && !ca.isBlank();
    if (verifyClients && (knownCa || !clientCas.isEmpty())) {
      client = localClient(now);
      StringBuilder pems = new StringBuilder(knownCa ? ca.strip() + "\n" : "");
      pems.append(files.read(LOCAL_CA_CERT).map(b -> new String(b, StandardCharsets.UTF_8)).orElseThrow());
      if (!clientCas.isEmpty() && pems.charAt(pems.length() - 1) != '\n') {
        pems.append('\n');
      }
      clientCas.forEach(pem -> pems.append(pem.strip()).append('\n'));
      clientCasPem = pems.toString();
    }
    long days = check.daysLeft(now);
    String warning = days <= EXPIRY_WARNING_DAYS ? "certificate expires in " + days + " day" + (days == 1 ? "" : "s") : null;
    String trust = ca != null && !ca.isBlank() ? ca : s.material().certPem();
    ServedTls served = new ServedTls(s.material().certPem(), s.material().keyPem(), clientCasPem, s.name());
    return new Outcome(Optional.of(served), Optional.empty(), trust, client, warning, check.notAfter());
  }

  // ---- cert-provider ---------------------------------------------------------------------------

  /** The provider's certificate for this unit's request, or its refusal of it; neither yet: both empty. */
  private record Answered(Optional<Source> source, Optional<CertProvider.Refusal> refusal) {
    static final Answered NOTHING = new Answered(Optional.empty(), Optional.empty());
  }

  /**
   * Publishes this unit's request (when it changed) and reads the provider's answer. With
   * tls-certificate-names, the request is for exactly those names, the first as common name;
   * without, for the unit's addresses and host names, the private address as common name.
   */
  private Answered fromRelation(String relation, Names names, List<String> certificateNames) {
    String commonName;
    List<String> sans;
    if (!certificateNames.isEmpty()) {
      commonName = certificateNames.get(0);
      sans = certificateNames;
    } else {
      String privateAddress = unitGet("private-address");
      commonName = privateAddress.isEmpty() ? names.ingress() : privateAddress;
      LinkedHashSet<String> requested = new LinkedHashSet<>();
      for (String n : List.of(commonName, names.ingress(), unitGet("public-address"), hostname(), names.httpHost(), names.proxy())) {
        if (!n.isEmpty()) {
          requested.add(n);
        }
      }
      sans = List.copyOf(requested);
    }
    String csr = ensureRequest(commonName, sans);
    Map<String, String> wanted = CertProvider.request(unitName, commonName, sans, csr);
    Map<String, String> own = tools.relationGet(relation, unitName);
    Map<String, String> changes = new HashMap<>();
    wanted.forEach((k, v) -> {
      if (!v.equals(own.get(k))) {
        changes.put(k, v);
      }
    });
    if (!changes.isEmpty()) {
      tools.relationSet(relation, changes);
      tools.log(LogLevel.INFO, "Requested a certificate for " + String.join(", ", sans) + " from cert-provider");
    }
    List<Map<String, String>> bags = new ArrayList<>();
    for (String unit : tools.relationList(relation)) {
      bags.add(tools.relationGet(relation, unit));
    }
    String app = tools.relationRemoteApp(relation);
    Map<String, String> appBag = app.isEmpty() ? Map.of() : tools.relationGetApp(relation, app);
    Optional<CertProvider.Answer> answer = CertProvider.answer(unitName, commonName, csr, appBag, bags);
    if (answer.isEmpty()) {
      return new Answered(Optional.empty(), CertProvider.refusal(csr, appBag));
    }
    TlsMaterial m = answer.get().material();
    if (m.keyPem() == null) {
      m = new TlsMaterial(m.certPem(), readText(KEY), m.caPem());
    }
    return new Answered(Optional.of(new Source("cert-provider", m)), Optional.empty());
  }

  /**
   * The request's key (generated once, root only) and CSR, replaced when the names change. The
   * names are kept next to the CSR so that an unchanged request needs no parsing.
   */
  private String ensureRequest(String commonName, List<String> sans) {
    files.ensureDirectoryWithMode(Layout.CERT_PROVIDER_DIR, "rwx------");
    String key = readText(KEY);
    if (key == null) {
      key = Keys.newPrivateKeyPem();
      files.ensureFile(KEY, bytes(key), "rw-------");
    }
    String names = commonName + "\n" + String.join("\n", sans) + "\n";
    String csr = readText(CSR);
    if (csr == null || !names.equals(readText(CSR_NAMES))) {
      csr = Csr.create(key, commonName, sans);
      files.ensureFile(CSR, bytes(csr), "rw-r--r--");
      files.ensureFile(CSR_NAMES, bytes(names), "rw-r--r--");
    }
    return csr;
  }

  /** Without the relation, its key and request are removed. */
  private void forgetRequest() {
    for (String path : List.of(KEY, CSR, CSR_NAMES)) {
      if (files.delete(path)) {
        tools.log(LogLevel.INFO, "Removed " + path + " (cert-provider is no longer related)");
      }
    }
  }

  // ---- options -------------------------------------------------------------------------------

  /**
   * The files at the tls-*-path options as they will be once the blobs' {@code change} is
   * applied: each a blob, else a file or a link to one (as the previous charm, which served them
   * through bind mounts, took them).
   */
  private Optional<Source> fromPaths(RegistryConfig.Tls options, String name, BlobFiles.Change change) {
    String cert = change.contentAfter(options.certPath(), this::operatorFile).orElse(null);
    String key = change.contentAfter(options.keyPath(), this::operatorFile).orElse(null);
    if (cert == null || key == null) {
      return Optional.empty();
    }
    return Optional.of(new Source(name, new TlsMaterial(cert, key, change.contentAfter(options.caPath(), this::operatorFile).orElse(null))));
  }

  private Optional<String> operatorFile(String path) {
    return files.isFileOrLinkToOne(path) ? files.read(path).map(b -> new String(b, StandardCharsets.UTF_8)) : Optional.empty();
  }

  // ---- local clients -------------------------------------------------------------------------

  /** The unit's small CA and its client certificate, created once (kept root only). */
  private LocalClient localClient(Instant now) {
    files.ensureDirectoryWithMode(Layout.LOCAL_CA_DIR, "rwx------");
    String caKey = readText(LOCAL_CA_KEY);
    String caCert = readText(LOCAL_CA_CERT);
    if (caKey == null || caCert == null) {
      LocalCa.Issued ca = LocalCa.newCa("docker-registry " + unitName + " local clients", Duration.ofDays(3650));
      caKey = ca.keyPem();
      caCert = ca.certPem();
      files.ensureFile(LOCAL_CA_KEY, bytes(caKey), "rw-------");
      files.ensureFile(LOCAL_CA_CERT, bytes(caCert), "rw-r--r--");
      files.delete(LOCAL_CLIENT_CERT);
    }
    String clientKey = readText(LOCAL_CLIENT_KEY);
    String clientCert = readText(LOCAL_CLIENT_CERT);
    if (clientKey == null || clientCert == null || !Keys.matches(clientKey, clientCert)) {
      LocalCa.Issued client = LocalCa.issueClient(new LocalCa.Issued(caKey, caCert), unitName, Duration.ofDays(3650));
      clientKey = client.keyPem();
      clientCert = client.certPem();
      files.ensureFile(LOCAL_CLIENT_KEY, bytes(clientKey), "rw-------");
      files.ensureFile(LOCAL_CLIENT_CERT, bytes(clientCert), "rw-r--r--");
      tools.log(LogLevel.INFO, "Issued the unit's local client certificate");
    }
    return new LocalClient(clientKey, clientCert);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private record Source(String name, TlsMaterial material) {}

  /** unit-get, or "" when Juju has no such address (a public address on some clouds). */
  private String unitGet(String setting) {
    try {
      return tools.unitGet(setting);
    } catch (charm.juju.HookToolException e) {
      return "";
    }
  }

  /** The machine's host name, as clients on the network may know it. */
  private String hostname() {
    return readText("/etc/hostname") == null ? "" : readText("/etc/hostname").strip();
  }

  private String readText(String path) {
    return files.isRegularFile(path) ? files.read(path).map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null) : null;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
