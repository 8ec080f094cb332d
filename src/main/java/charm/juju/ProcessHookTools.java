package charm.juju;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The real {@link HookTools}: runs each Juju hook tool as a child process, with the command lines
 * documented on {@link HookTools} (the ones ops uses, see shared/juju/hook-tools.md).
 *
 * <p>How a tool is run:
 *
 * <ul>
 *   <li>argv[0] is {@code <toolsDir>/<tool>}, or the bare tool name looked up on {@code PATH} when
 *       no tools directory is given. Working directory and environment are inherited.
 *   <li>stdout and stderr are pipes, each read to the end by a short-lived helper thread. So
 *       neither pipe can fill up and block the tool, whatever the sizes or the order of its
 *       writes, and the calling thread is free to wait with a deadline. (No temporary file: the
 *       first one in a JVM costs the hook the start-up of SecureRandom and the security
 *       providers.)
 *   <li>Every call has a deadline ({@link #DEFAULT_DEADLINE} unless the constructor says
 *       otherwise). A tool still running then is sent SIGTERM, with its descendants, and SIGKILL
 *       if it is still there {@link #KILL_GRACE} (or the deadline, if shorter) later; the call
 *       raises a {@link HookToolException} whose {@link HookToolException#timedOut()} is true. A
 *       hung Juju agent thus fails the hook, which Juju retries, instead of hanging it forever.
 *   <li>stdin is closed at once, except for {@code relation-set}/{@code state-set --file -}, which
 *       get a compact JSON object written so that Juju's YAML reader reads it back unchanged
 *       ({@link Json#writeForYaml}). A payload bigger than one page is written from a short-lived
 *       helper thread so that a tool that prints before it reads cannot deadlock us.
 *   <li>Exit 0: stdout is parsed as JSON (for {@code --format=json} tools); stderr (for example
 *       Juju's deprecation notes) is discarded. Non-zero exit: {@link HookToolException} with the
 *       exit code and stderr minus its {@code ERROR } prefix.
 * </ul>
 *
 * <p>Failures that are not a tool's exit status: a tool that cannot be started (missing, not
 * executable) raises {@link UncheckedIOException}; output that is not the JSON shape the tool
 * documents raises {@link IllegalStateException}. Neither message contains argument values or tool
 * output, because those may be secret (relation data, leader settings, action results).
 *
 * <p>Choices where the interface leaves room:
 *
 * <ul>
 *   <li>status-set always passes {@code -- <message>}, with an empty string for an empty or
 *       {@code null} message (Juju then sets an empty message, the same as omitting it).
 *   <li>relation-set, state-set, leader-set and action-set with an empty map run nothing. A {@code
 *       null} value is sent as {@code ""} (which deletes the key for relation-set/leader-set).
 *       Keys are sent in sorted order.
 *   <li>juju-log and action-log split a message so that no argument exceeds 131071 UTF-8 bytes
 *       (Linux's per-argument limit; the same 131071 ops uses, counted in bytes so that non-ASCII
 *       text also fits), never inside a code point. An empty message is logged as one empty line.
 *   <li>action-fail with a {@code null} message runs {@code action-fail} without arguments (Juju's
 *       default reason).
 *   <li>open-port/close-port lower-case the protocol; for {@code icmp} the port is ignored and the
 *       argument is just {@code icmp}.
 *   <li>config-get, relation-ids, relation-list and network-get --ingress-address run once per
 *       process (and endpoint, relation or binding), and later calls get the same answer: Juju
 *       answers them from the hook's context, which does not change while the hook runs. Each
 *       call is a process (here and in Juju), and several parts of a reconcile ask for the peers.
 *   <li>A JSON {@code null} where a string is expected (relation-list --app, unit-get, network-get
 *       --ingress-address) reads as {@code ""}; where a map or list is expected it reads as empty.
 * </ul>
 */
public final class ProcessHookTools implements HookTools {

  /** Largest argument, in UTF-8 bytes, that juju-log/action-log get (Linux: 32 pages - NUL). */
  static final int MAX_LOG_ARG_BYTES = 131071;

  /** Stdin payloads up to this size fit in any pipe buffer, so they are written inline. */
  private static final int INLINE_STDIN_BYTES = 4096;

  private static final Pattern ACTION_KEY_SEGMENT =
      Pattern.compile("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?");
  private static final Set<String> RESERVED_ACTION_KEYS =
      Set.of("stdout", "stdout-encoding", "stderr", "stderr-encoding");

  /** How long one tool call may take; Juju's tools answer in well under a second. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);

  /** How long resource-get may take (it downloads the resource). */
  static final Duration RESOURCE_DEADLINE = Duration.ofMinutes(15);

  /** How long a tool gets between SIGTERM and SIGKILL. */
  static final Duration KILL_GRACE = Duration.ofSeconds(2);
  /** After a failed tool exits, how long its stderr may stay open (held by a child it left) before what it said so far is used. */
  static final Duration STDERR_GRACE = Duration.ofSeconds(1);

  private final Path toolsDir;
  private final Duration deadline;
  private final Map<String, List<String>> relationIds = new HashMap<>();
  private final Map<String, List<String>> relationUnits = new HashMap<>();
  private final Map<String, String> ingressAddresses = new HashMap<>();
  /** unit-get's answers: Juju answers from the hook's context, the same all through it. */
  private final Map<String, String> unitSettings = new HashMap<>();
  private Map<String, Object> config;
  private Status.Kind unitStatus;

  /** Tools found on {@code PATH} (Juju puts its tools directory first). */
  public ProcessHookTools() {
    this(null);
  }

  /**
   * @param toolsDir directory holding the tool executables, or {@code null} to look them up on
   *     {@code PATH}
   */
  public ProcessHookTools(Path toolsDir) {
    this(toolsDir, DEFAULT_DEADLINE);
  }

  /**
   * @param toolsDir directory holding the tool executables, or {@code null} to look them up on
   *     {@code PATH}
   * @param deadline how long one tool call may run before it is killed
   */
  public ProcessHookTools(Path toolsDir, Duration deadline) {
    this.toolsDir = toolsDir;
    this.deadline = deadline;
  }

  // ---------------------------------------------------------------------------------- config

  @Override
  public Map<String, Object> configGet() {
    if (config == null) {
      config = objectMap(runJson("config-get", "--format=json"), "config-get");
    }
    return config;
  }

  // -------------------------------------------------------------------------------- relations

  @Override
  public List<String> relationIds(String endpoint) {
    List<String> ids = relationIds.get(endpoint);
    if (ids == null) {
      ids = stringList(runJson("relation-ids", endpoint, "--format=json"), "relation-ids");
      relationIds.put(endpoint, ids);
    }
    return ids;
  }

  @Override
  public List<String> relationList(String relationId) {
    List<String> units = relationUnits.get(relationId);
    if (units == null) {
      units = stringList(runJson("relation-list", "-r", relationId, "--format=json"), "relation-list");
      relationUnits.put(relationId, units);
    }
    return units;
  }

  @Override
  public String relationRemoteApp(String relationId) {
    return string(
        runJson("relation-list", "-r", relationId, "--app", "--format=json"), "relation-list");
  }

  @Override
  public Map<String, String> relationGet(String relationId, String unit) {
    return stringMap(
        runJson("relation-get", "--format=json", "-r", relationId, "-", unit), "relation-get");
  }

  @Override
  public Map<String, String> relationGetApp(String relationId, String app) {
    return stringMap(
        runJson("relation-get", "--format=json", "-r", relationId, "--app", "-", app),
        "relation-get");
  }

  @Override
  public void relationSet(String relationId, Map<String, String> data) {
    if (data.isEmpty()) {
      return;
    }
    run(jsonObject(data), "relation-set", "-r", relationId, "--file", "-");
  }

  @Override
  public void relationSetApp(String relationId, Map<String, String> data) {
    if (data.isEmpty()) {
      return;
    }
    run(jsonObject(data), "relation-set", "-r", relationId, "--app", "--file", "-");
  }

  // ------------------------------------------------------------------------------- leadership

  @Override
  public Map<String, String> leaderGet() {
    return stringMap(runJson("leader-get", "--format=json"), "leader-get");
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException for an empty key or one containing {@code =} (checked before
   *     anything runs; the message names the key, never a value)
   */
  @Override
  public void leaderSet(Map<String, String> data) {
    if (data.isEmpty()) {
      return;
    }
    List<String> argv = new ArrayList<>(data.size() + 1);
    argv.add("leader-set");
    for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
      String key = e.getKey();
      if (key.isEmpty() || key.indexOf('=') >= 0) {
        throw new IllegalArgumentException("invalid leader setting key \"" + key + "\"");
      }
      argv.add(key + "=" + nullToEmpty(e.getValue()));
    }
    run(null, argv.toArray(new String[0]));
  }

  @Override
  public boolean isLeader() {
    Object value = runJson("is-leader", "--format=json");
    if (!(value instanceof Boolean leader)) {
      throw unexpected("is-leader", "a boolean", value);
    }
    return leader;
  }

  // ----------------------------------------------------------------------------------- status

  @Override
  public void statusSet(Status status) {
    setStatus(status, "--application=False");
    unitStatus = status.kind();
  }

  /** The kind of the unit status this process set last, or null. */
  public Status.Kind unitStatusSet() {
    return unitStatus;
  }

  @Override
  public void applicationStatusSet(Status status) {
    setStatus(status, "--application=True");
  }

  private void setStatus(Status status, String applicationFlag) {
    run(
        null,
        "status-set",
        applicationFlag,
        status.kind().word(),
        "--",
        nullToEmpty(status.message()));
  }

  @Override
  public void applicationVersionSet(String version) {
    run(null, "application-version-set", "--", nullToEmpty(version));
  }

  @Override
  public void log(LogLevel level, String message) {
    for (String part : splitUtf8(nullToEmpty(message), MAX_LOG_ARG_BYTES)) {
      run(null, "juju-log", "--log-level", level.name(), "--", part);
    }
  }

  // ------------------------------------------------------------------------------------ ports

  @Override
  public void openPort(int port, String protocol) {
    run(null, "open-port", portArg(port, protocol));
  }

  @Override
  public void closePort(int port, String protocol) {
    run(null, "close-port", portArg(port, protocol));
  }

  private static String portArg(int port, String protocol) {
    String proto = protocol.toLowerCase(Locale.ROOT);
    return proto.equals("icmp") ? proto : port + "/" + proto;
  }

  @Override
  public List<String> openedPorts() {
    return stringList(runJson("opened-ports", "--format=json"), "opened-ports");
  }

  // ---------------------------------------------------------------------------------- network

  @Override
  public Map<String, Object> networkGet(String binding) {
    return objectMap(runJson("network-get", "--format=json", binding), "network-get");
  }

  @Override
  public String ingressAddress(String binding) {
    String address = ingressAddresses.get(binding);
    if (address == null) {
      address = string(runJson("network-get", "--format=json", binding, "--ingress-address"), "network-get");
      ingressAddresses.put(binding, address);
    }
    return address;
  }

  @Override
  public String unitGet(String setting) {
    String value = unitSettings.get(setting);
    if (value == null) {
      value = string(runJson("unit-get", "--format=json", setting), "unit-get");
      unitSettings.put(setting, value);
    }
    return value;
  }

  // ---------------------------------------------------------------------------------- actions

  @Override
  public Map<String, Object> actionGet() {
    return objectMap(runJson("action-get", "--format=json"), "action-get");
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException naming the first bad key (never a value), before anything
   *     runs: every dot-separated segment must match {@code ^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$} and
   *     must not be {@code stdout}, {@code stdout-encoding}, {@code stderr} or {@code
   *     stderr-encoding}; or a {@code key=value} argument longer than Linux takes (131,071 bytes)
   */
  @Override
  public void actionSet(Map<String, String> results) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (Map.Entry<String, String> e : results.entrySet()) {
      checkActionKey(e.getKey());
      sorted.put(e.getKey(), nullToEmpty(e.getValue()));
    }
    if (sorted.isEmpty()) {
      return;
    }
    List<String> argv = new ArrayList<>(sorted.size() + 1);
    argv.add("action-set");
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      String arg = e.getKey() + "=" + e.getValue();
      if (arg.getBytes(StandardCharsets.UTF_8).length > MAX_LOG_ARG_BYTES) {
        // The exec would fail with E2BIG ("argument list too long") and every result be lost.
        throw new IllegalArgumentException("action result \"" + e.getKey() + "\" is too big for action-set: one argument holds at most "
            + MAX_LOG_ARG_BYTES + " bytes");
      }
      argv.add(arg);
    }
    run(null, argv.toArray(new String[0]));
  }

  static void checkActionKey(String key) {
    if (key == null) {
      throw new IllegalArgumentException("action result key is null");
    }
    for (String segment : key.split("\\.", -1)) {
      if (!ACTION_KEY_SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException(
            "invalid action result key \""
                + key
                + "\": each dot-separated part must be lower-case letters, digits and hyphens,"
                + " starting and ending with a letter or digit");
      }
      if (RESERVED_ACTION_KEYS.contains(segment)) {
        throw new IllegalArgumentException(
            "invalid action result key \"" + key + "\": \"" + segment + "\" is reserved");
      }
    }
  }

  @Override
  public void actionFail(String message) {
    if (message == null) {
      run(null, "action-fail");
    } else {
      run(null, "action-fail", "--", message);
    }
  }

  @Override
  public void actionLog(String message) {
    for (String part : splitUtf8(nullToEmpty(message), MAX_LOG_ARG_BYTES)) {
      run(null, "action-log", "--", part);
    }
  }

  // ------------------------------------------------------------------------------------ state

  @Override
  public Map<String, String> stateGet() {
    return stringMap(runJson("state-get", "--format=json"), "state-get");
  }

  @Override
  public void stateSet(Map<String, String> data) {
    if (data.isEmpty()) {
      return;
    }
    run(jsonObject(data), "state-set", "--file", "-");
  }

  @Override
  public void stateDelete(String key) {
    run(null, "state-delete", key);
  }

  // -------------------------------------------------------------------------------- resources

  @Override
  public Path resourceGet(String name) {
    // Juju downloads the file from the controller inside resource-get: an image tarball may need
    // longer than the other tools.
    Duration download = deadline.compareTo(RESOURCE_DEADLINE) > 0 ? deadline : RESOURCE_DEADLINE;
    String out = new String(run(null, download, "resource-get", name), StandardCharsets.UTF_8);
    String path = out.strip();
    if (path.isEmpty()) {
      throw new IllegalStateException("resource-get printed no path");
    }
    return Path.of(path);
  }

  // ------------------------------------------------------------------------------ the running

  private Object runJson(String... argv) {
    byte[] out = run(null, argv);
    try {
      return Json.parse(out);
    } catch (Json.ParseException e) {
      throw new IllegalStateException(argv[0] + " printed output that is " + e.getMessage());
    }
  }

  /**
   * Runs one tool and returns its stdout.
   *
   * @param stdin bytes to feed on stdin, or {@code null} to close stdin at once
   * @param argv the logical command line; argv[0] is the tool's name
   */
  private byte[] run(byte[] stdin, String... argv) {
    return run(stdin, deadline, argv);
  }

  /** {@link #run(byte[], String...)} with its own deadline. */
  private byte[] run(byte[] stdin, Duration deadline, String... argv) {
    String tool = argv[0];
    List<String> command = List.of(argv);
    List<String> exec = new ArrayList<>(command);
    if (toolsDir != null) {
      exec.set(0, toolsDir.resolve(tool).toString());
    }
    long end = System.nanoTime() + deadline.toNanos();
    Process process = null;
    try {
      process =
          new ProcessBuilder(exec)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .redirectOutput(ProcessBuilder.Redirect.PIPE)
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
      Thread writer = feed(process.getOutputStream(), stdin, tool);
      Drain out = new Drain(process.getInputStream(), tool + "-stdout");
      Drain err = new Drain(process.getErrorStream(), tool + "-stderr");
      out.start();
      err.start();
      if (!process.waitFor(left(end), TimeUnit.NANOSECONDS) || !out.finish(left(end))) {
        kill(process, deadline.compareTo(KILL_GRACE) < 0 ? deadline : KILL_GRACE);
        throw HookToolException.timedOut(command, deadline);
      }
      int exitCode = process.exitValue();
      if (writer != null) {
        // The tool is gone, so a write still pending fails at once and the thread ends.
        writer.join(TimeUnit.NANOSECONDS.toMillis(left(end)) + 1);
      }
      if (exitCode != 0) {
        // Only a failure reads stderr. A child the tool left running may hold it open: what it
        // wrote by then is what the tool said.
        err.finish(Math.min(left(end), STDERR_GRACE.toNanos()));
        String stderr = new String(err.soFar(), StandardCharsets.UTF_8);
        throw new HookToolException(command, exitCode, errorText(stderr));
      }
      return out.bytes();
    } catch (IOException e) {
      // IOException texts here name the program at most, never its arguments.
      throw new UncheckedIOException("cannot run hook tool " + tool, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new UncheckedIOException(
          new InterruptedIOException("interrupted while running hook tool " + tool));
    }
  }

  private static long left(long end) {
    return Math.max(0, end - System.nanoTime());
  }

  /**
   * Ends a tool that ran past its deadline: SIGTERM to its descendants (first, so that the tool
   * can still reap them) and to the tool, SIGKILL to anything left after {@code grace}.
   * Returns once the tool itself is reaped (or after a second grace period, for a process the
   * kernel cannot kill at once).
   */
  private static void kill(Process process, Duration grace) throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(KILL_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
    for (ProcessHandle p : descendants) {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /** Reads a tool's stdout or stderr to the end on its own thread, so that the caller can wait with a deadline. */
  private static final class Drain extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream read = new ByteArrayOutputStream();
    private IOException failure;

    Drain(InputStream in, String name) {
      super(name);
      setDaemon(true);
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          synchronized (read) {
            read.write(buffer, 0, n);
          }
        }
      } catch (IOException e) {
        failure = e;
      }
    }

    /**
     * Waits for the end of the stream; false when it is still open after {@code nanos} (something
     * the tool started still holds it).
     */
    boolean finish(long nanos) throws InterruptedException {
      join(TimeUnit.NANOSECONDS.toMillis(nanos) + 1);
      return !isAlive();
    }

    /** All of the stream; call after {@link #finish} returned true. */
    byte[] bytes() throws IOException {
      if (failure != null) {
        throw failure;
      }
      return soFar();
    }

    /** What was read until now, whether or not the stream ended. */
    byte[] soFar() {
      synchronized (read) {
        return read.toByteArray();
      }
    }
  }

  /** Writes stdin (inline if it surely fits the pipe, else from a helper thread), closes it. */
  private static Thread feed(OutputStream stdin, byte[] data, String tool) {
    if (data == null || data.length <= INLINE_STDIN_BYTES) {
      writeQuietly(stdin, data);
      return null;
    }
    Thread writer = new Thread(() -> writeQuietly(stdin, data), tool + "-stdin");
    writer.setDaemon(true);
    writer.start();
    return writer;
  }

  private static void writeQuietly(OutputStream stdin, byte[] data) {
    try (stdin) {
      if (data != null) {
        stdin.write(data);
      }
    } catch (IOException e) {
      // The tool exited or closed stdin without reading it all; its exit status tells the story.
    }
  }

  /** stderr with surrounding whitespace and a leading {@code ERROR } removed. */
  static String errorText(String stderr) {
    String text = stderr.strip();
    if (text.startsWith("ERROR ")) {
      text = text.substring("ERROR ".length()).strip();
    }
    return text;
  }

  /**
   * Splits text into pieces of at most {@code maxBytes} UTF-8 bytes, never inside a code point.
   * Always returns at least one piece (an empty text gives one empty piece).
   */
  static List<String> splitUtf8(String text, int maxBytes) {
    List<String> parts = new ArrayList<>(1);
    int start = 0;
    int bytes = 0;
    int i = 0;
    while (i < text.length()) {
      int cp = text.codePointAt(i);
      int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + len > maxBytes) {
        parts.add(text.substring(start, i));
        start = i;
        bytes = 0;
      }
      bytes += len;
      i += Character.charCount(cp);
    }
    parts.add(text.substring(start));
    return parts;
  }

  // ------------------------------------------------------------------------------ JSON shapes

  private static byte[] jsonObject(Map<String, String> data) {
    TreeMap<String, String> sorted = new TreeMap<>();
    data.forEach((k, v) -> sorted.put(k, nullToEmpty(v)));
    return Json.writeForYaml(sorted); // Juju reads --file input as YAML 1.1, not as JSON
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> objectMap(Object value, String tool) {
    if (value == null) {
      return Collections.emptyMap();
    }
    if (!(value instanceof Map)) {
      throw unexpected(tool, "an object", value);
    }
    return Collections.unmodifiableMap((Map<String, Object>) value);
  }

  /** A JSON object read as strings; a non-string scalar keeps its JSON text, null is dropped. */
  private static Map<String, String> stringMap(Object value, String tool) {
    Map<String, String> map = new LinkedHashMap<>();
    objectMap(value, tool).forEach((k, v) -> {
      if (v != null) {
        map.put(k, v instanceof String s ? s : new String(Json.write(v), StandardCharsets.UTF_8));
      }
    });
    return Collections.unmodifiableMap(map);
  }

  private static List<String> stringList(Object value, String tool) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> items)) {
      throw unexpected(tool, "a list", value);
    }
    List<String> list = new ArrayList<>(items.size());
    for (Object item : items) {
      if (!(item instanceof String s)) {
        throw unexpected(tool, "a list of strings", value);
      }
      list.add(s);
    }
    return List.copyOf(list);
  }

  private static String string(Object value, String tool) {
    if (value == null) {
      return "";
    }
    if (!(value instanceof String s)) {
      throw unexpected(tool, "a string", value);
    }
    return s;
  }

  /** Names the JSON type found, never the content. */
  private static IllegalStateException unexpected(String tool, String expected, Object found) {
    return new IllegalStateException(
        tool + " printed JSON " + Json.typeName(found) + " where " + expected + " was expected");
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
