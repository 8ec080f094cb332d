package charm.juju;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JujuContextTest {

  private static Map<String, String> base() {
    Map<String, String> env = new HashMap<>();
    env.put("JUJU_UNIT_NAME", "docker-registry/0");
    env.put("JUJU_CHARM_DIR", "/var/lib/juju/agents/unit-docker-registry-0/charm");
    env.put("JUJU_MODEL_NAME", "prod");
    env.put("JUJU_MODEL_UUID", "0c6b1a52-8e4f-4d1c-9a55-1f1d5c2b7e10");
    env.put("JUJU_VERSION", "3.6.4");
    return env;
  }

  @Test
  void relationHookFromDispatchPath() {
    Map<String, String> env = base();
    env.put("JUJU_DISPATCH_PATH", "hooks/website-relation-joined");
    env.put("JUJU_HOOK_NAME", "website-relation-joined");
    env.put("JUJU_RELATION", "website");
    env.put("JUJU_RELATION_ID", "website:3");
    env.put("JUJU_REMOTE_UNIT", "haproxy/1");
    env.put("JUJU_REMOTE_APP", "haproxy");

    JujuContext ctx = JujuContext.fromEnv(env);

    assertEquals("hooks/website-relation-joined", ctx.dispatchPath());
    assertEquals("website-relation-joined", ctx.hookName());
    assertEquals("", ctx.actionName());
    assertFalse(ctx.isAction());
    assertEquals("website-relation-joined", ctx.eventName());
    assertEquals("docker-registry/0", ctx.unitName());
    assertEquals("docker-registry", ctx.appName());
    assertEquals(Path.of("/var/lib/juju/agents/unit-docker-registry-0/charm"), ctx.charmDir());
    assertEquals("prod", ctx.modelName());
    assertEquals("0c6b1a52-8e4f-4d1c-9a55-1f1d5c2b7e10", ctx.modelUuid());
    assertEquals("website", ctx.relation());
    assertEquals("website:3", ctx.relationId());
    assertEquals("haproxy/1", ctx.remoteUnit());
    assertEquals("haproxy", ctx.remoteApp());
    assertEquals("", ctx.departingUnit());
    assertEquals("", ctx.targetBase());
    assertEquals("3.6.4", ctx.jujuVersion());
    assertEquals(Path.of("/"), ctx.rootDir());
  }

  @Test
  void departedHookAndTargetBase() {
    Map<String, String> env = base();
    env.put("JUJU_DISPATCH_PATH", "hooks/website-relation-departed");
    env.put("JUJU_DEPARTING_UNIT", "haproxy/2");
    env.put("JUJU_TARGET_BASE", "ubuntu@24.04");
    JujuContext ctx = JujuContext.fromEnv(env);
    assertEquals("haproxy/2", ctx.departingUnit());
    assertEquals("ubuntu@24.04", ctx.targetBase());
  }

  @Test
  void actionFromDispatchPath() {
    Map<String, String> env = base();
    env.put("JUJU_DISPATCH_PATH", "actions/garbage-collect");
    env.put("JUJU_HOOK_NAME", "");
    env.put("JUJU_ACTION_NAME", "garbage-collect");

    JujuContext ctx = JujuContext.fromEnv(env);

    assertTrue(ctx.isAction());
    assertEquals("garbage-collect", ctx.actionName());
    assertEquals("", ctx.hookName());
    assertEquals("garbage-collect", ctx.eventName());
  }

  @Test
  void dispatchPathWinsOverHookNameAndProgram() {
    Map<String, String> env = base();
    env.put("JUJU_DISPATCH_PATH", "hooks/config-changed");
    env.put("JUJU_HOOK_NAME", "install");
    JujuContext ctx = JujuContext.fromEnv(env, "/charm/hooks/start");
    assertEquals("config-changed", ctx.eventName());
    assertEquals("hooks/config-changed", ctx.dispatchPath());
  }

  @Test
  void legacyHookFromProgramPath() {
    JujuContext ctx =
        JujuContext.fromEnv(
            base(), "/var/lib/juju/agents/unit-docker-registry-0/charm/hooks/install");
    assertEquals("hooks/install", ctx.dispatchPath());
    assertEquals("install", ctx.hookName());
    assertEquals("install", ctx.eventName());
    assertFalse(ctx.isAction());
  }

  @Test
  void legacyRelativeHookPath() {
    JujuContext ctx = JujuContext.fromEnv(base(), "./hooks/db-relation-changed");
    assertEquals("hooks/db-relation-changed", ctx.dispatchPath());
    assertEquals("db-relation-changed", ctx.eventName());
  }

  @Test
  void legacyActionFromProgramPath() {
    JujuContext ctx = JujuContext.fromEnv(base(), "/charm/actions/garbage-collect");
    assertTrue(ctx.isAction());
    assertEquals("actions/garbage-collect", ctx.dispatchPath());
    assertEquals("garbage-collect", ctx.actionName());
    assertEquals("", ctx.hookName());
  }

  @Test
  void programNamedDispatchFallsBackToJujuVariables() {
    Map<String, String> env = base();
    env.put("JUJU_HOOK_NAME", "update-status");
    assertEquals(
        "update-status", JujuContext.fromEnv(env, "/charm/dispatch").eventName());

    env.put("JUJU_HOOK_NAME", "");
    env.put("JUJU_ACTION_NAME", "backup");
    JujuContext action = JujuContext.fromEnv(env, "/charm/dispatch");
    assertTrue(action.isAction());
    assertEquals("backup", action.eventName());
  }

  @Test
  void nothingKnownGivesEmptyEvent() {
    Map<String, String> env = Map.of();
    JujuContext ctx = JujuContext.fromEnv(env);
    assertEquals("", ctx.dispatchPath());
    assertEquals("", ctx.eventName());
    assertFalse(ctx.isAction());
    assertEquals("", ctx.unitName());
    assertEquals("", ctx.appName());
    assertEquals(Path.of(""), ctx.charmDir());
    assertEquals(Path.of("/"), ctx.rootDir());
  }

  @Test
  void rootDirFromDockerRegistryRoot() {
    Map<String, String> env = base();
    env.put("DOCKER_REGISTRY_ROOT", "/tmp/sim/unit-0/root");
    assertEquals(Path.of("/tmp/sim/unit-0/root"), JujuContext.fromEnv(env).rootDir());
    env.put("DOCKER_REGISTRY_ROOT", "");
    assertEquals(Path.of("/"), JujuContext.fromEnv(env).rootDir());
  }

  @Test
  void legacyCharmDirVariable() {
    Map<String, String> env = base();
    env.remove("JUJU_CHARM_DIR");
    env.put("CHARM_DIR", "/legacy/charm");
    assertEquals(Path.of("/legacy/charm"), JujuContext.fromEnv(env).charmDir());
  }

  @Test
  void appNameIsUnitNameBeforeSlash() {
    Map<String, String> env = base();
    env.put("JUJU_UNIT_NAME", "my-app-2/17");
    assertEquals("my-app-2", JujuContext.fromEnv(env).appName());
  }
}
