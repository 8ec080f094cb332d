package charm.juju;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Recording fake hook tools: one {@code /bin/sh} script per tool name in {@link #bin}. Each call
 * numbers itself ({@code <tool>.count}), records its argv NUL-terminated ({@code <tool>.<n>.argv},
 * so newlines and empty arguments are unambiguous), then writes the canned stderr ({@code
 * <tool>.err}) <em>before</em> the canned stdout ({@code <tool>.out}), only then reads stdin into
 * {@code <tool>.<n>.stdin}, and exits with the canned code ({@code <tool>.rc}, default 0). Writing
 * both outputs before reading stdin is deliberate: a client that reads stdout before stderr, or
 * writes all of stdin before reading, deadlocks on large data.
 */
final class FakeTools {

  static final List<String> TOOLS =
      List.of(
          "config-get",
          "relation-ids",
          "relation-list",
          "relation-get",
          "relation-set",
          "leader-get",
          "leader-set",
          "is-leader",
          "status-set",
          "application-version-set",
          "juju-log",
          "open-port",
          "close-port",
          "opened-ports",
          "network-get",
          "unit-get",
          "action-get",
          "action-set",
          "action-fail",
          "action-log",
          "state-get",
          "state-set",
          "state-delete",
          "resource-get");

  private static final String SCRIPT =
      "#!/bin/sh\n"
          + "d='@CTL@'\n"
          + "t=$(basename \"$0\")\n"
          + "n=$(cat \"$d/$t.count\" 2>/dev/null || echo 0)\n"
          + "n=$((n + 1))\n"
          + "echo \"$n\" > \"$d/$t.count\"\n"
          + ": > \"$d/$t.$n.argv\"\n"
          + "for a in \"$@\"; do printf '%s\\000' \"$a\" >> \"$d/$t.$n.argv\"; done\n"
          + "if [ -f \"$d/$t.err\" ]; then cat \"$d/$t.err\" >&2; fi\n"
          + "if [ -f \"$d/$t.out\" ]; then cat \"$d/$t.out\"; fi\n"
          + "cat > \"$d/$t.$n.stdin\"\n"
          + "rc=0\n"
          + "if [ -f \"$d/$t.rc\" ]; then rc=$(cat \"$d/$t.rc\"); fi\n"
          + "exit \"$rc\"\n";

  final Path bin;
  final Path ctl;

  FakeTools(Path root) {
    try {
      bin = Files.createDirectories(root.resolve("bin"));
      ctl = Files.createDirectories(root.resolve("ctl"));
      String script = SCRIPT.replace("@CTL@", ctl.toString());
      for (String tool : TOOLS) {
        Path file = bin.resolve(tool);
        Files.writeString(file, script);
        assertTrue(file.toFile().setExecutable(true), "chmod +x " + file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  FakeTools stdout(String tool, String text) {
    return write(tool + ".out", text.getBytes(StandardCharsets.UTF_8));
  }

  FakeTools stdout(String tool, byte[] bytes) {
    return write(tool + ".out", bytes);
  }

  FakeTools stderr(String tool, String text) {
    return write(tool + ".err", text.getBytes(StandardCharsets.UTF_8));
  }

  FakeTools exit(String tool, int code) {
    return write(tool + ".rc", (code + "\n").getBytes(StandardCharsets.UTF_8));
  }

  int calls(String tool) {
    Path count = ctl.resolve(tool + ".count");
    try {
      return Files.exists(count) ? Integer.parseInt(Files.readString(count).strip()) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The argv (without argv[0]) of call {@code n} (1-based). */
  List<String> argv(String tool, int n) {
    byte[] raw = read(tool + "." + n + ".argv");
    List<String> args = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    assertEquals(raw.length, start, "argv file must end with NUL");
    return args;
  }

  /** The argv of the only call, asserting there was exactly one. */
  List<String> onlyArgv(String tool) {
    assertEquals(1, calls(tool), tool + " calls");
    return argv(tool, 1);
  }

  String stdin(String tool, int n) {
    return new String(read(tool + "." + n + ".stdin"), StandardCharsets.UTF_8);
  }

  private FakeTools write(String name, byte[] bytes) {
    try {
      Files.write(ctl.resolve(name), bytes);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private byte[] read(String name) {
    try {
      return Files.readAllBytes(ctl.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
