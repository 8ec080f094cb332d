package charm.juju;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One method per Juju hook tool the charm uses, mapped 1:1 (see shared/juju/hook-tools.md).
 *
 * <p>Reads always use {@code --format=json}. Relation ids are passed as {@code endpoint:id}. A
 * tool that exits non-zero raises {@link HookToolException}. Semantics worth remembering:
 *
 * <ul>
 *   <li>relation-set merges into the bag; an empty value deletes a key; only the leader may write
 *       the application bag; writes are committed only when the hook exits 0.
 *   <li>status-set, application-version-set, leader-set, juju-log and action-log take effect at
 *       once, even if the hook later fails.
 * </ul>
 */
public interface HookTools {

  /** {@code config-get --format=json}: every option with a non-null value, typed. */
  Map<String, Object> configGet();

  /** {@code relation-ids <endpoint> --format=json}: ids such as {@code website:3}. */
  List<String> relationIds(String endpoint);

  /** {@code relation-list -r <id> --format=json}: the remote units, sorted. */
  List<String> relationList(String relationId);

  /** {@code relation-list -r <id> --app --format=json}: the remote application's name. */
  String relationRemoteApp(String relationId);

  /** {@code relation-get --format=json -r <id> - <unit>}: a unit's whole bag. */
  Map<String, String> relationGet(String relationId, String unit);

  /** {@code relation-get --format=json -r <id> --app - <app>}: an application's whole bag. */
  Map<String, String> relationGetApp(String relationId, String app);

  /** {@code relation-set -r <id> --file -} with the JSON object on stdin (own unit bag). */
  void relationSet(String relationId, Map<String, String> data);

  /** {@code relation-set -r <id> --app --file -} (own application bag; leader only). */
  void relationSetApp(String relationId, Map<String, String> data);

  /** {@code leader-get --format=json}: all leader settings. */
  Map<String, String> leaderGet();

  /** {@code leader-set k=v ...} (leader only; {@code k=} deletes). */
  void leaderSet(Map<String, String> data);

  /** {@code is-leader --format=json}. */
  boolean isLeader();

  /** {@code status-set --application=False <status> -- <message>}. */
  void statusSet(Status status);

  /** {@code status-set --application=True <status> -- <message>} (leader only). */
  void applicationStatusSet(Status status);

  /** {@code application-version-set -- <version>}. */
  void applicationVersionSet(String version);

  /** {@code juju-log --log-level <LEVEL> -- <message>}. Never pass a secret. */
  void log(LogLevel level, String message);

  /** {@code open-port <port>/<protocol>}. */
  void openPort(int port, String protocol);

  /** {@code close-port <port>/<protocol>}. */
  void closePort(int port, String protocol);

  /** {@code opened-ports --format=json}: entries such as {@code 5000/tcp}. */
  List<String> openedPorts();

  /** {@code network-get --format=json <binding>}: the full structure. */
  Map<String, Object> networkGet(String binding);

  /** {@code network-get --format=json <binding> --ingress-address}. */
  String ingressAddress(String binding);

  /** {@code unit-get --format=json <setting>} (private-address or public-address). */
  String unitGet(String setting);

  /** {@code action-get --format=json}: the params with schema defaults applied. */
  Map<String, Object> actionGet();

  /** {@code action-set k=v ...}; dotted keys nest. Keys must match Juju's key rules. */
  void actionSet(Map<String, String> results);

  /** {@code action-fail -- <message>}. */
  void actionFail(String message);

  /** {@code action-log -- <message>}. */
  void actionLog(String message);

  /** {@code state-get --format=json}: the unit's key/value store ({@code null} reads as empty). */
  Map<String, String> stateGet();

  /** {@code state-set --file -} with the JSON object on stdin. */
  void stateSet(Map<String, String> data);

  /** {@code state-delete <key>}. */
  void stateDelete(String key);

  /** {@code resource-get <name>}: the path of the resource's file. */
  Path resourceGet(String name);

  /** Log levels understood by juju-log. */
  enum LogLevel {
    TRACE,
    DEBUG,
    INFO,
    WARNING,
    ERROR,
    CRITICAL
  }
}
