package charm.juju;

import java.nio.file.Path;
import java.util.Map;

/**
 * What Juju tells a hook or action process through its environment, read once (spec §3, §4).
 *
 * <p>Every string field is {@code ""} when the variable is unset; none is {@code null}.
 *
 * @param dispatchPath {@code hooks/<hook>} or {@code actions/<action>}, or {@code ""} if unknown
 * @param hookName the hook's name ({@code install}, {@code website-relation-joined}); {@code ""}
 *     for an action
 * @param actionName the action's name; {@code ""} for a hook
 * @param unitName {@code JUJU_UNIT_NAME}, e.g. {@code docker-registry/0}
 * @param appName the unit name before its {@code /}
 * @param charmDir {@code JUJU_CHARM_DIR} (else {@code CHARM_DIR}, else the current directory,
 *     which Juju makes the charm dir)
 * @param modelName {@code JUJU_MODEL_NAME}
 * @param modelUuid {@code JUJU_MODEL_UUID}: with the application name, it scopes what the charm
 *     owns on a machine shared by several models
 * @param relation {@code JUJU_RELATION}, the endpoint name in a relation hook
 * @param relationId {@code JUJU_RELATION_ID}, e.g. {@code website:3}
 * @param remoteUnit {@code JUJU_REMOTE_UNIT} (empty in -created and -broken)
 * @param remoteApp {@code JUJU_REMOTE_APP}
 * @param departingUnit {@code JUJU_DEPARTING_UNIT} (only in -departed)
 * @param targetBase {@code JUJU_TARGET_BASE} (only in pre-series-upgrade)
 * @param jujuVersion {@code JUJU_VERSION}
 * @param rootDir {@code DOCKER_REGISTRY_ROOT}, or {@code /}: the root under which the charm keeps
 *     its files (a test seam; Juju never sets it)
 */
public record JujuContext(
    String dispatchPath,
    String hookName,
    String actionName,
    String unitName,
    String appName,
    Path charmDir,
    String modelName,
    String modelUuid,
    String relation,
    String relationId,
    String remoteUnit,
    String remoteApp,
    String departingUnit,
    String targetBase,
    String jujuVersion,
    Path rootDir) {

  private static final String HOOKS = "hooks/";
  private static final String ACTIONS = "actions/";

  /** Reads the context from {@code env} alone (the dispatch-script case). */
  public static JujuContext fromEnv(Map<String, String> env) {
    return fromEnv(env, null);
  }

  /**
   * Reads the context from {@code env}.
   *
   * <p>The event comes from {@code JUJU_DISPATCH_PATH}. Only when that is unset or empty (a legacy
   * {@code hooks/<name>} run directly by an old Juju) is {@code programPath} used: its basename is
   * the event, and it is an action when its parent directory is named {@code actions}. A program
   * named {@code dispatch} says nothing, so then {@code JUJU_ACTION_NAME}, and after it {@code
   * JUJU_HOOK_NAME}, are tried. If all fail the event is {@code ""}.
   *
   * @param programPath the path the process was started as ({@code $0} of the entry script), or
   *     {@code null}
   */
  public static JujuContext fromEnv(Map<String, String> env, String programPath) {
    String dispatchPath = dispatchPath(env, programPath);
    boolean action = dispatchPath.startsWith(ACTIONS);
    String name = basename(dispatchPath);
    String unitName = get(env, "JUJU_UNIT_NAME");
    int slash = unitName.indexOf('/');
    String charmDir = get(env, "JUJU_CHARM_DIR");
    if (charmDir.isEmpty()) {
      charmDir = get(env, "CHARM_DIR");
    }
    String root = get(env, "DOCKER_REGISTRY_ROOT");
    return new JujuContext(
        dispatchPath,
        action ? "" : name,
        action ? name : "",
        unitName,
        slash < 0 ? unitName : unitName.substring(0, slash),
        Path.of(charmDir),
        get(env, "JUJU_MODEL_NAME"),
        get(env, "JUJU_MODEL_UUID"),
        get(env, "JUJU_RELATION"),
        get(env, "JUJU_RELATION_ID"),
        get(env, "JUJU_REMOTE_UNIT"),
        get(env, "JUJU_REMOTE_APP"),
        get(env, "JUJU_DEPARTING_UNIT"),
        get(env, "JUJU_TARGET_BASE"),
        get(env, "JUJU_VERSION"),
        Path.of(root.isEmpty() ? "/" : root));
  }

  /** True when running an action ({@code actions/<name>}). */
  public boolean isAction() {
    return dispatchPath.startsWith(ACTIONS);
  }

  /** The hook name for a hook, the action name for an action, {@code ""} if unknown. */
  public String eventName() {
    return isAction() ? actionName : hookName;
  }

  private static String dispatchPath(Map<String, String> env, String programPath) {
    String path = get(env, "JUJU_DISPATCH_PATH");
    while (path.startsWith("./")) {
      path = path.substring(2);
    }
    if (!path.isEmpty()) {
      return path;
    }
    if (programPath != null && !programPath.isBlank()) {
      Path program = Path.of(programPath).normalize();
      Path file = program.getFileName();
      Path parent = program.getParent();
      String base = file == null ? "" : file.toString();
      if (!base.isEmpty() && !base.equals("dispatch")) {
        boolean inActions =
            parent != null
                && parent.getFileName() != null
                && parent.getFileName().toString().equals("actions");
        return (inActions ? ACTIONS : HOOKS) + base;
      }
    }
    String actionName = get(env, "JUJU_ACTION_NAME");
    if (!actionName.isEmpty()) {
      return ACTIONS + actionName;
    }
    String hookName = get(env, "JUJU_HOOK_NAME");
    return hookName.isEmpty() ? "" : HOOKS + hookName;
  }

  private static String basename(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static String get(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null ? "" : value;
  }
}
