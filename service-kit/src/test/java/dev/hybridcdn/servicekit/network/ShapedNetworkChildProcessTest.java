package dev.hybridcdn.servicekit.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link ShapedNetworkTest} with the fronts in a child JVM ({@link FrontPlacement#CHILD_PROCESS}),
 * same model, same tolerances; plus what only the child has: its sockets are its own, it reports its
 * descriptors, a bad command is an error naming it, and it is gone once closed or once the parent's end of
 * its pipe is.
 */
class ShapedNetworkChildProcessTest extends ShapedNetworkTest { // installed by ShapedNetworkTest.start
  @Test
  void theFrontsSocketsAreInTheChildProcess() {
    // peer-1's front listens in the child: a connection through it shows in the child's counters
    var http = vertx.createHttpClient(ShapedNetwork.source(new io.vertx.core.http.HttpClientOptions(), client));
    long before = network.stats().connections();
    dev.hybridcdn.servicekit.vertx.Blocking.await(http.request(io.vertx.core.http.HttpMethod.GET, port,
        server.address(), "/?bytes=10").compose(r -> r.send()).compose(r -> r.body()), Duration.ofSeconds(10), "GET");
    assertEquals(before + 1, network.stats().connections());
    long openFiles = network.stats().openFiles();
    assertTrue(openFiles > 0, "the child reports its descriptors: " + openFiles);
    http.close().await();
  }

  @Test
  void aFrontThatCannotListenIsAnErrorNamingIt() {
    NetNode node = network.register(NodeKind.PEER, "peer-listen", "eu-west");
    int taken = network.front(node, 0, port);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> network.front(node, taken, port));
    assertTrue(e.getMessage().contains("front") && e.getMessage().contains(node.address()), e.getMessage());
    network.closeFront(node.address(), taken).await();
  }

  @Test
  void theChildIsGoneWhenClosedAndWhenItsParentsPipeCloses() throws Exception {
    NetworkModel model = NetworkModel.read(new ByteArrayInputStream(MODEL.getBytes(StandardCharsets.UTF_8)), "test");
    FrontProcess closed = new FrontProcess(model);
    ProcessHandle child = ProcessHandle.of(closed.pid()).orElseThrow();
    closed.close();
    assertFalse(child.isAlive(), "closed: the child exited");

    // a command out of order is answered with an error naming it; the parent vanishing closes the
    // child's standard input, and the child exits by itself
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process orphan = new ProcessBuilder(javaBin,
        "-cp", System.getProperty("java.class.path"), FrontProcess.class.getName())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    orphan.getOutputStream().write("{\"op\":\"stats\"}\n".getBytes(StandardCharsets.UTF_8));
    orphan.getOutputStream().flush();
    String answer = new java.io.BufferedReader(new java.io.InputStreamReader(orphan.getInputStream(),
        StandardCharsets.UTF_8)).readLine();
    assertTrue(answer.startsWith(FrontProcess.ANSWER) && answer.contains("error") && answer.contains("model"), answer);
    orphan.getOutputStream().close();
    assertTrue(orphan.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the child exits when its input closes");
    assertEquals(0, orphan.exitValue());
  }
}
