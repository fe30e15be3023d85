package dev.hybridcdn.servicekit.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An emulated network's fronts in a child JVM ({@link FrontPlacement#CHILD_PROCESS}): this object
 * is the parent's handle, {@link #main} the child. The child runs {@link LocalFronts}, so shaping is
 * the same in both placements. They talk in JSON lines: one command per line on the child's standard
 * input ({@code {"op":"model"|"node"|"front"|"closeFront"|"cut"|"heal"|"stats"|"close", ...}}), one
 * answer per command on its standard output, prefixed {@value #ANSWER} ({@code {"error":"..."}} when
 * the command failed); the child's logs go to standard error, which the parent's inherits. The child
 * exits when its standard input closes, so it never outlives the parent.
 */
final class FrontProcess implements Fronts {
  static final String ANSWER = "@@ ";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Heap of the child: its buffers are Netty's direct ones; the heap holds sockets' bookkeeping. */
  private static final String CHILD_HEAP = "-Xmx1g";

  private final Process process;
  private final Writer commands;
  private final BufferedReader answers;
  private final ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "fronts-process-calls");
    t.setDaemon(true);
    return t;
  });
  private final Thread reaper;

  /**
   * Starts the child JVM (this JVM's {@code java} and class path) and hands it the model.
   *
   * @throws UncheckedIOException when the child cannot be started
   * @throws IllegalStateException when it does not take the model
   */
  FrontProcess(NetworkModel model) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      process = new ProcessBuilder(java, CHILD_HEAP, "-cp", System.getProperty("java.class.path"),
          FrontProcess.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the network fronts' process", e);
    }
    commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    reaper = new Thread(process::destroyForcibly, "fronts-process-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    ObjectNode cmd = command("model");
    cmd.set("model", JSON.valueToTree(model));
    try {
      call(cmd);
    } catch (RuntimeException e) {
      close(); // a child that will not take the model is of no use: do not leave it running
      throw e;
    }
  }

  private static ObjectNode command(String op) {
    return JSON.createObjectNode().put("op", op);
  }

  /** Sends one command and waits for its answer. */
  private synchronized JsonNode call(ObjectNode cmd) {
    try {
      commands.write(JSON.writeValueAsString(cmd));
      commands.write('\n');
      commands.flush();
      for (String line; (line = answers.readLine()) != null; ) {
        if (!line.startsWith(ANSWER)) {
          System.err.println(line); // not an answer (something printed to standard output)
          continue;
        }
        JsonNode answer = JSON.readTree(line.substring(ANSWER.length()));
        if (answer.has("error")) {
          throw new IllegalStateException("network fronts' process, " + cmd.get("op").asText() + ": "
              + answer.get("error").asText());
        }
        return answer;
      }
      throw new IllegalStateException("the network fronts' process ended (exit code "
          + (process.isAlive() ? "none yet" : process.exitValue()) + ")");
    } catch (IOException e) {
      throw new IllegalStateException("the network fronts' process does not answer: " + e.getMessage(), e);
    }
  }

  @Override
  public void add(NetNode node) {
    ObjectNode cmd = command("node");
    cmd.set("node", JSON.valueToTree(node));
    call(cmd);
  }

  @Override
  public int front(NetNode node, int port, int targetPort) {
    ObjectNode cmd = command("front").put("port", port).put("target", targetPort);
    cmd.set("node", JSON.valueToTree(node));
    return call(cmd).get("port").asInt();
  }

  @Override
  public Future<Void> closeFront(String address, int port) {
    // off the caller's thread: undeploying a service may happen on an event loop
    return Future.fromCompletionStage(CompletableFuture.runAsync(
        () -> call(command("closeFront").put("address", address).put("port", port)), closer));
  }

  @Override
  public int cut(List<String> addresses) {
    ObjectNode cmd = command("cut");
    cmd.set("addresses", JSON.valueToTree(addresses));
    return call(cmd).get("closed").asInt();
  }

  @Override
  public void heal(List<String> addresses) {
    ObjectNode cmd = command("heal");
    cmd.set("addresses", JSON.valueToTree(addresses));
    call(cmd);
  }

  @Override
  public FrontStats stats() {
    return JSON.convertValue(call(command("stats")), FrontStats.class);
  }

  /** The child's process id (tests kill it). */
  long pid() {
    return process.pid();
  }

  /** Asks the child to stop its fronts and exit; kills it when it has not within 10 s. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        call(command("close"));
        commands.close();
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException | RuntimeException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      closer.shutdown();
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  /**
   * The child: reads commands from standard input until it closes or a {@code close} command, answers
   * each on standard output.
   */
  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    System.setOut(System.err); // standard output carries answers only
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    LocalFronts fronts = null;
    try {
      for (String line; (line = in.readLine()) != null; ) {
        ObjectNode answer = JSON.createObjectNode();
        String op = "";
        try {
          JsonNode cmd = JSON.readTree(line);
          op = cmd.path("op").asText();
          if (fronts == null && !op.equals("model")) {
            throw new IllegalStateException("the first command must be model, got " + op);
          }
          switch (op) {
            case "model" -> fronts = new LocalFronts(NetworkModel.read(
                new ByteArrayInputStream(JSON.writeValueAsBytes(cmd.get("model"))), "the parent's model"));
            case "node" -> fronts.add(JSON.treeToValue(cmd.get("node"), NetNode.class));
            case "front" -> answer.put("port", fronts.front(JSON.treeToValue(cmd.get("node"), NetNode.class),
                cmd.get("port").asInt(), cmd.get("target").asInt()));
            case "closeFront" -> fronts.closeFront(cmd.get("address").asText(), cmd.get("port").asInt())
                .await(10, TimeUnit.SECONDS);
            case "cut" -> answer.put("closed", fronts.cut(addresses(cmd)));
            case "heal" -> fronts.heal(addresses(cmd));
            case "stats" -> {
              FrontStats s = fronts.stats();
              answer = JSON.valueToTree(new FrontStats(s.connections(), s.refused(), s.resets(), s.open(),
                  s.openByLink(), openFiles()));
            }
            case "close" -> {
              out.println(ANSWER + answer);
              out.flush();
              return;
            }
            default -> throw new IllegalArgumentException("unknown command " + op);
          }
        } catch (Exception e) {
          answer = JSON.createObjectNode().put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        out.println(ANSWER + answer);
        out.flush();
      }
    } finally {
      if (fronts != null) {
        fronts.close();
      }
      System.exit(0);
    }
  }

  private static List<String> addresses(JsonNode cmd) {
    return JSON.convertValue(cmd.get("addresses"), JSON.getTypeFactory().constructCollectionType(List.class,
        String.class));
  }

  private static long openFiles() {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }
}
