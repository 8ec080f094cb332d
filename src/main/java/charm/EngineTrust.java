package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import charm.registry.Plan;
import charm.workload.DaemonTrust;
import charm.workload.HostFiles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Makes the unit's own Docker engine trust the registry, so that {@code docker push <netloc>/...}
 * works on the unit (the push action), without restarting the daemon: a plain-HTTP registry goes
 * into {@code insecure-registries} of daemon.json (dockerd re-reads it on SIGHUP); an HTTPS one
 * gets {@code /etc/docker/certs.d/<netloc>/ca.crt} (and the unit's local client certificate when
 * the registry verifies clients), which dockerd reads on every connection.
 */
final class EngineTrust {
  static final String CERTS_D = "/etc/docker/certs.d";
  /** Unit state: the netloc whose certs.d directory this unit filled. */
  static final String CERTS_D_NETLOC = "certs-d-netloc";
  private static final List<String> CERTS_D_FILES = List.of("ca.crt", "client.cert", "client.key");

  private final HookTools tools;
  private final HostFiles files;
  /** The netloc this hook recorded as trusted in daemon.json, or null. */
  private String trustedNow;

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

  /** Whether the certs.d files are what {@link #apply} would write (update-status's check). */
  boolean matches(Plan plan, TlsSetup.Outcome tls) {
    return expected(plan, tls).stream().allMatch(f -> files.matches(f.path(), bytes(f.content()), f.mode()))
        && absent(plan, tls).stream().noneMatch(files::exists);
  }

  /** The certs.d files update-status checks: the CA (and the client key, when clients present one). */
  static List<Plan.FileSpec> expected(Plan plan, TlsSetup.Outcome tls) {
    if (!plan.scheme().equals("https")) {
      return List.of();
    }
    String dir = CERTS_D + "/" + plan.netloc();
    Plan.FileSpec ca = new Plan.FileSpec(dir + "/ca.crt", tls.trustPem(), "rw-r--r--");
    return tls.client() == null ? List.of(ca) : List.of(ca, new Plan.FileSpec(dir + "/client.key", tls.client().keyPem(), "rw-------"));
  }

  /** The certs.d file that must not be there: the client key, when clients present none. */
  static List<String> absent(Plan plan, TlsSetup.Outcome tls) {
    return plan.scheme().equals("https") && tls.client() == null ? List.of(CERTS_D + "/" + plan.netloc() + "/client.key") : List.of();
  }

  /**
   * Whether the unit's engine trusts the planned registry as far as this charm can tell: over
   * HTTPS the certs.d files are checked by content; over HTTP, the unit state (or this hook) has
   * recorded the netloc in daemon.json's insecure-registries. False while daemon.json cannot take
   * the entry (a directory, say): the full reconcile then tries again in every hook.
   */
  boolean settled(Plan plan, Map<String, String> state) {
    if (plan.scheme().equals("https")) {
      return true;
    }
    return plan.netloc().equals(trustedNow != null ? trustedNow : state.get(Reconciler.TRUSTED));
  }

  /** The unit goes away: it trusts nothing of its own any more. */
  void forget(Map<String, String> state) {
    insecure(null, state.get(Reconciler.TRUSTED));
    certsD(null, null, state.get(CERTS_D_NETLOC));
  }

  private void insecure(String wanted, String previous) {
    if (wanted == null ? previous == null : wanted.equals(previous)) {
      return;
    }
    DaemonTrust.Result result = new DaemonTrust(files).ensureInsecure(wanted, previous);
    if (result.problem() != null) {
      tools.log(LogLevel.WARNING, result.problem());
      if (!result.changed()) {
        return; // daemon.json left alone: nothing to record
      }
    } else if (result.changed()) {
      tools.log(LogLevel.INFO, (wanted == null ? "Docker engine no longer trusts " + previous : "Docker engine trusts " + wanted)
          + (result.reloaded() ? " (reloaded)" : " (reload pending)"));
    }
    if (wanted == null) {
      tools.stateDelete(Reconciler.TRUSTED);
    } else {
      tools.stateSet(Map.of(Reconciler.TRUSTED, wanted));
    }
    trustedNow = wanted;
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
