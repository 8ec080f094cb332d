package charm.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real client command (docker, skopeo) with a deadline. */
record Cmd(int exitCode, String output) {

  static Cmd run(String... argv) {
    return runWithEnv(java.util.Map.of(), argv);
  }

  /** {@link #run} with variables added to the environment (for secrets, which argv would show). */
  static Cmd runWithEnv(java.util.Map<String, String> env, String... argv) {
    try {
      Path out = Files.createTempFile("it-cmd", ".out");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new AssertionError(String.join(" ", argv) + " did not finish within 180 s");
        }
        return new Cmd(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs and fails the test unless the command exits 0; returns its output. */
  static String ok(String... argv) {
    Cmd c = run(argv);
    if (c.exitCode != 0) {
      throw new AssertionError(String.join(" ", argv) + " exited " + c.exitCode + ":\n" + c.output);
    }
    return c.output;
  }

  static List<String> lines(String text) {
    return text.lines().filter(l -> !l.isBlank()).toList();
  }
}
