package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.registry.Plan;
import charm.workload.DaemonTrust;
import charm.workload.HostFiles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes the unit's own Docker engine trust the registry, so that {@code docker push <netloc>/...}
 * works on the unit (the push action), without restarting the daemon: a plain-HTTP registry goes
 * into {@code insecure-registries} of daemon.json (dockerd re-reads it on SIGHUP); an HTTPS one
 * gets {@code /etc/docker/certs.d/<netloc>/ca.crt} (and the unit's local client certificate when
 * the registry verifies clients), which dockerd reads on every connection.
 *
 * <p>What the charm wrote is checked on disk in every full reconcile and by update-status, not
 * taken from unit state, which only says which entry this unit added (so that it can remove it
 * when the netloc changes): a removed entry or certs.d file is written again.
 */
final class EngineTrust {
  static final String CERTS_D = "/etc/docker/certs.d";
  /** Unit state: the netloc whose certs.d directory this unit filled. */
  static final String CERTS_D_NETLOC = "certs-d-netloc";
  private static final List<String> CERTS_D_FILES = List.of("ca.crt", "client.cert", "client.key");

  private final HookTools tools;
  private final HostFiles files;
  /** What the status should add ({@link #note}), or null. */
  private String note;

  EngineTrust(HookTools tools, HostFiles files) {
    this.tools = tools;
    this.files = files;
  }

  /** Trust the planned registry and nothing this unit trusted before. */
  void apply(Plan plan, TlsSetup.Outcome tls, Map<String, String> state) {
    boolean https = plan.scheme().equals("https");
    insecure(https ? null : plan.netloc(), state.get(Reconciler.TRUSTED));
    certsD(https ? plan.netloc() : null, tls, state.get(CERTS_D_NETLOC));
  }

  /**
   * Whether the engine trusts the planned registry as {@link #apply} leaves it (update-status's
   * check), read from disk, not from unit state: over HTTPS the certs.d files by content and mode,
   * over HTTP daemon.json's insecure-registries entry. A daemon.json that cannot take the entry
   * counts as matching (a reconcile could not change it) and is reported ({@link #note}).
   */
  boolean matches(Plan plan, TlsSetup.Outcome tls) {
    if (!plan.scheme().equals("https")) {
      DaemonTrust.Listing listing = new DaemonTrust(files).listing(plan.netloc());
      if (listing == DaemonTrust.Listing.UNEDITABLE) {
        note = cannotTake();
      }
      return listing != DaemonTrust.Listing.MISSING;
    }
    return expected(plan, tls).stream().allMatch(f -> files.matches(f.path(), bytes(f.content()), f.mode()))
        && absent(plan, tls).stream().noneMatch(files::exists);
  }

  /**
   * The certs.d files update-status and the ready record check: the CA (and the client
   * certificate and key, when clients present one).
   */
  static List<Plan.FileSpec> expected(Plan plan, TlsSetup.Outcome tls) {
    if (!plan.scheme().equals("https")) {
      return List.of();
    }
    String dir = CERTS_D + "/" + plan.netloc();
    Plan.FileSpec ca = new Plan.FileSpec(dir + "/ca.crt", tls.trustPem(), "rw-r--r--");
    return tls.client() == null ? List.of(ca)
        : List.of(ca, new Plan.FileSpec(dir + "/client.cert", tls.client().certPem(), "rw-r--r--"),
            new Plan.FileSpec(dir + "/client.key", tls.client().keyPem(), "rw-------"));
  }

  /** The certs.d files that must not be there: the client certificate and key, when clients present none. */
  static List<String> absent(Plan plan, TlsSetup.Outcome tls) {
    String dir = CERTS_D + "/" + plan.netloc();
    return plan.scheme().equals("https") && tls.client() == null ? List.of(dir + "/client.cert", dir + "/client.key") : List.of();
  }

  /**
   * Whether the unit's engine trusts the planned registry, checked on disk: over HTTPS the certs.d
   * files were written (by content, in {@link #matches} and the ready record); over HTTP
   * daemon.json's insecure-registries lists the netloc now. False while daemon.json cannot take
   * the entry (a directory, say) or lost it: the full reconcile then runs again in every hook.
   */
  boolean settled(Plan plan) {
    if (plan.scheme().equals("https")) {
      return true;
    }
    return new DaemonTrust(files).listing(plan.netloc()) == DaemonTrust.Listing.LISTED;
  }

  /**
   * What the status should add: daemon.json cannot take the registry's entry, so the unit's engine
   * does not trust the registry (the push action fails); the log says why.
   */
  Optional<String> note() {
    return Optional.ofNullable(note);
  }

  private static String cannotTake() {
    return "The unit's Docker engine does not trust it: " + DaemonTrust.DAEMON_JSON + " cannot take the entry (see the log).";
  }

  /** The unit goes away: it trusts nothing of its own any more. */
  void forget(Map<String, String> state) {
    insecure(null, state.get(Reconciler.TRUSTED));
    certsD(null, null, state.get(CERTS_D_NETLOC));
  }

  /**
   * Puts {@code wanted} into daemon.json's insecure-registries and takes out {@code previous}, the
   * entry unit state says this unit added, when the netloc changed. daemon.json is read in every
   * full reconcile, whatever unit state says: an entry removed behind the charm's back is put back
   * (and dockerd reloaded, once); one still there changes nothing. Entries the charm did not add
   * are never touched.
   */
  private void insecure(String wanted, String previous) {
    if (wanted == null && previous == null) {
      return;
    }
    DaemonTrust.Result result = new DaemonTrust(files).ensureInsecure(wanted, previous);
    if (result.problem() != null) {
      tools.log(LogLevel.WARNING, result.problem());
      if (!result.changed()) {
        if (wanted != null) {
          note = cannotTake();
        }
        return; // daemon.json left alone: nothing to record
      }
    } else if (result.changed()) {
      String what = wanted == null ? "Docker engine no longer trusts " + previous
          : wanted.equals(previous) ? "Docker engine trusts " + wanted + " again (its entry had gone from " + DaemonTrust.DAEMON_JSON + ")"
          : "Docker engine trusts " + wanted;
      tools.log(LogLevel.INFO, what + (result.reloaded() ? " (reloaded)" : " (reload pending)"));
    }
    if (Objects.equals(wanted, previous)) {
      return;
    }
    if (wanted == null) {
      tools.stateDelete(Reconciler.TRUSTED);
    } else {
      tools.stateSet(Map.of(Reconciler.TRUSTED, wanted));
    }
  }

  private void certsD(String wanted, TlsSetup.Outcome tls, String previous) {
    if (previous != null && !previous.equals(wanted)) {
      String dir = CERTS_D + "/" + previous;
      CERTS_D_FILES.forEach(f -> files.delete(dir + "/" + f));
      files.deleteEmptyDirectory(dir);
      tools.log(LogLevel.INFO, "Removed " + dir);
    }
    if (wanted == null) {
      if (previous != null) {
        tools.stateDelete(CERTS_D_NETLOC);
      }
      return;
    }
    String dir = CERTS_D + "/" + wanted;
    boolean changed = files.ensure(dir + "/ca.crt", bytes(tls.trustPem()), "rw-r--r--");
    if (tls.client() != null) {
      changed |= files.ensure(dir + "/client.cert", bytes(tls.client().certPem()), "rw-r--r--");
      changed |= files.ensure(dir + "/client.key", bytes(tls.client().keyPem()), "rw-------");
    } else {
      changed |= files.delete(dir + "/client.cert") | files.delete(dir + "/client.key");
    }
    if (changed) {
      tools.log(LogLevel.INFO, "Docker engine trusts " + wanted + " through " + dir);
    }
    if (!wanted.equals(previous)) {
      tools.stateSet(Map.of(CERTS_D_NETLOC, wanted));
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
