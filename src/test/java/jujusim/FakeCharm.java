package jujusim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tiny charm directory for simulator tests. Its {@code dispatch} records each hook and its
 * environment, runs the command lines a test put in {@code cmds/<dispatch-path>} (capturing each
 * command's stdout, stderr and exit code) and exits with the code in {@code exit/<dispatch-path>}.
 */
final class FakeCharm {
  final Path dir;
  final Path rec;

  record Out(int rc, String out, String err) {}

  static final String METADATA =
      """
      name: demo
      summary: A demo charm
      description: Used by the simulator tests.
      provides:
        website:
          interface: http
      requires:
        db:
          interface: mysql
      peers:
        cluster:
          interface: demo-peers
      extra-bindings:
        public:
      resources:
        blob:
          type: file
          filename: blob.bin
      """;

  static final String CONFIG =
      """
      options:
        name:
          type: string
          default: Wiki
          description: n
        port:
          type: int
          default: 8080
          description: p
        debug:
          type: boolean
          default: false
          description: d
        ratio:
          type: float
          default: 1.5
          description: r
        token:
          type: string
          description: no default
        empty:
          type: string
          default: ""
          description: empty default
      """;

  static final String ACTIONS =
      """
      backup:
        description: Back up.
        params:
          filename:
            type: string
            default: out.tgz
          compression:
            type: object
            default:
              kind: gzip
            properties:
              kind:
                type: string
          count:
            type: integer
            minimum: 1
            maximum: 10
        additionalProperties: false
      needs:
        description: Needs a target.
        params:
          target:
            type: string
        required: [target]
        additionalProperties: false
      """;

  static final String DISPATCH =
      """
      #!/bin/bash
      key=${JUJU_DISPATCH_PATH//\\//_}
      rec="$SIM_REC/${JUJU_UNIT_NAME//\\//-}"
      mkdir -p "$rec"
      echo "$JUJU_DISPATCH_PATH" >> "$rec/hooks"
      env | LC_ALL=C sort > "$rec/env.$key"
      if [ -f "$SIM_REC/cmds/$key" ]; then
        i=0
        while IFS= read -r line <&9; do
          eval "$line" > "$rec/out.$key.$i" 2> "$rec/err.$key.$i" < /dev/null
          echo $? > "$rec/rc.$key.$i"
          i=$((i+1))
        done 9< "$SIM_REC/cmds/$key"
      fi
      if [ -f "$SIM_REC/exit/$key" ]; then exit "$(cat "$SIM_REC/exit/$key")"; fi
      exit 0
      """;

  private FakeCharm(Path dir, Path rec) {
    this.dir = dir;
    this.rec = rec;
  }

  static FakeCharm create(Path tmp) {
    try {
      Path dir = Files.createDirectories(tmp.resolve("charm"));
      Path rec = Files.createDirectories(tmp.resolve("rec"));
      Files.createDirectories(rec.resolve("cmds"));
      Files.createDirectories(rec.resolve("exit"));
      Files.writeString(dir.resolve("metadata.yaml"), METADATA);
      Files.writeString(dir.resolve("config.yaml"), CONFIG);
      Files.writeString(dir.resolve("actions.yaml"), ACTIONS);
      Path dispatch = dir.resolve("dispatch");
      Files.writeString(dispatch, DISPATCH);
      Files.setPosixFilePermissions(dispatch, Charm.perms(0755));
      return new FakeCharm(dir, rec);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  SimOptions options() {
    return SimOptions.defaults().env("SIM_REC", rec.toString());
  }

  private static String key(String dispatchPath) {
    return dispatchPath.replace('/', '_');
  }

  /** Command lines (bash) the given hook/action runs, e.g. {@code cmds("hooks/update-status", ...)}. */
  void cmds(String dispatchPath, String... lines) {
    write(rec.resolve("cmds").resolve(key(dispatchPath)), String.join("\n", lines) + "\n");
  }

  void exit(String dispatchPath, int code) {
    write(rec.resolve("exit").resolve(key(dispatchPath)), code + "\n");
  }

  void clear(String dispatchPath) {
    try {
      Files.deleteIfExists(rec.resolve("cmds").resolve(key(dispatchPath)));
      Files.deleteIfExists(rec.resolve("exit").resolve(key(dispatchPath)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The dispatch paths the unit ran, in order. */
  List<String> hooks(String unit) {
    Path p = rec.resolve(unit.replace('/', '-')).resolve("hooks");
    return Files.exists(p) ? read(p).lines().toList() : List.of();
  }

  /** The environment of the last run of the hook/action on the unit. */
  Map<String, String> env(String unit, String dispatchPath) {
    Map<String, String> env = new TreeMap<>();
    for (String line : read(rec.resolve(unit.replace('/', '-')).resolve("env." + key(dispatchPath))).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return env;
  }

  /** The captured result of command {@code i} of the last run of that hook on the unit. */
  Out out(String unit, String dispatchPath, int i) {
    Path d = rec.resolve(unit.replace('/', '-'));
    String k = key(dispatchPath) + "." + i;
    return new Out(
        Integer.parseInt(read(d.resolve("rc." + k)).trim()), read(d.resolve("out." + k)), read(d.resolve("err." + k)));
  }

  List<Out> outs(String unit, String dispatchPath, int n) {
    List<Out> outs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      outs.add(out(unit, dispatchPath, i));
    }
    return outs;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path p, String s) {
    try {
      Files.writeString(p, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
