package charm;

import charm.juju.HookTools;
import charm.juju.HookTools.LogLevel;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The registry's {@code http.secret}, which every unit must share (it signs upload state, so an
 * upload may move between units behind a load balancer). The leader generates it once and
 * publishes it in the peer relation's application data, written with {@code relation-set --file
 * -}: the value travels on stdin, never in a command line that {@code ps} shows.
 *
 * <p>Charms before this one kept it in leader settings ({@code leader-set http-secret=...}, in
 * argv). The leader moves such a value into the peer data unchanged (so the registry is not
 * restarted), and deletes the leader setting in a later hook, once the peer data is committed;
 * until then the other units read the leader setting.
 */
final class SharedSecret {
  static final String KEY = "http-secret";
  static final String PEER_ENDPOINT = "peer";

  private final HookTools tools;
  private final String application;
  /** False when this hook moved the secret out of leader settings: a later hook deletes it there. */
  private boolean settled = true;
  /** The peer relation and its application data as {@link #read} found them; null and empty before. */
  private String relation;
  private Map<String, String> appData = Map.of();

  SharedSecret(HookTools tools, String application) {
    this.tools = tools;
    this.application = application;
  }

  /**
   * The shared secret, or null while there is none yet (no peer relation before the first
   * {@code peer-relation-created}, or a follower waiting for the leader). The leader finishes a
   * move from leader settings here: the copy there is deleted in the hook after the one that moved
   * it (see {@link #settled}).
   */
  String read() {
    List<String> ids = tools.relationIds(PEER_ENDPOINT);
    if (ids.isEmpty()) {
      relation = null;
      appData = Map.of();
      return nonEmpty(tools.leaderGet().get(KEY));
    }
    relation = ids.get(0);
    appData = tools.relationGetApp(relation, application);
    String shared = nonEmpty(appData.get(KEY));
    if (shared != null) {
      if (tools.leaderGet().containsKey(KEY) && tools.isLeader()) {
        tools.leaderSet(Map.of(KEY, "")); // deletes the old copy; the value is not in argv
        tools.log(LogLevel.INFO, "Removed the http secret from leader settings; it lives in the peer relation");
      }
      return shared;
    }
    String legacy = nonEmpty(tools.leaderGet().get(KEY));
    if (!tools.isLeader()) {
      return legacy;
    }
    String secret = legacy != null ? legacy : generate();
    tools.relationSetApp(relation, Map.of(KEY, secret));
    settled = legacy == null;
    tools.log(LogLevel.INFO, legacy != null
        ? "Moved the http secret from leader settings to the peer relation"
        : "Generated the shared http secret");
    return secret;
  }

  /**
   * Whether the secret needs no later hook: false after this hook moved it from leader settings,
   * whose copy the next full reconcile deletes (so no steady-state shortcut may be recorded yet).
   */
  boolean settled() {
    return settled;
  }

  /**
   * The peer relation's id as the last {@link #read} found it, or null when there was none; other
   * application data shared by the leader lives there too.
   */
  String peerRelation() {
    return relation;
  }

  /** The peer relation's application data as the last {@link #read} found it (empty without one). */
  Map<String, String> peerAppData() {
    return appData;
  }

  private static String nonEmpty(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static String generate() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
