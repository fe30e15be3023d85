package dev.hybridcdn.servicekit.vertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {
  @Test
  void concurrentCallersShareOneRunOfTheWork() throws Exception {
    SingleFlight<String, String> flights = new SingleFlight<>();
    AtomicInteger runs = new AtomicInteger();
    Promise<String> result = Promise.promise();
    Promise<Void> settled = Promise.promise();
    int callers = 64;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<java.util.concurrent.Future<SingleFlight.Joined<String>>> joined = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      joined.add(pool.submit(() -> {
        start.await();
        return flights.join("demo/128k/seg00000.ts", p -> {
          runs.incrementAndGet();
          result.future().onComplete(p);
          return settled.future();
        });
      }));
    }
    start.countDown();
    List<Future<String>> results = new ArrayList<>();
    int leaders = 0;
    for (var j : joined) {
      SingleFlight.Joined<String> r = j.get(10, TimeUnit.SECONDS);
      results.add(r.result());
      leaders += r.leader() ? 1 : 0;
    }
    pool.shutdown();
    assertThat(runs).hasValue(1);
    assertThat(leaders).isEqualTo(1);
    result.complete("bytes");
    assertThat(results).allSatisfy(f -> assertThat(f.result()).isEqualTo("bytes"));

    // Finished but not settled: a late caller still joins instead of starting again.
    flights.join("demo/128k/seg00000.ts", p -> {
      runs.incrementAndGet();
      return Future.succeededFuture();
    });
    assertThat(runs).hasValue(1);

    settled.complete();
    assertThat(flights.inflight()).isZero();
    SingleFlight.Joined<String> again = flights.join("demo/128k/seg00000.ts", p -> {
      runs.incrementAndGet();
      p.complete("fresh");
      return Future.succeededFuture();
    });
    assertThat(runs).hasValue(2);
    assertThat(again.result().result()).isEqualTo("fresh");
  }

  @Test
  void aFailedFlightFailsEveryCallerAndIsForgotten() {
    SingleFlight<String, String> flights = new SingleFlight<>();
    Promise<Void> work = Promise.promise();
    var first = flights.join("k", p -> work.future());
    var second = flights.join("k", p -> Future.succeededFuture());
    assertThat(second.leader()).isFalse();
    work.fail(new IllegalStateException("origin down"));
    assertThat(first.result().cause()).hasMessage("origin down");
    assertThat(second.result().cause()).hasMessage("origin down");
    assertThat(flights.inflight()).isZero();
  }

  @Test
  void aThrowingWorkFailsTheFlight() {
    SingleFlight<String, String> flights = new SingleFlight<>();
    var joined = flights.join("k", p -> {
      throw new IllegalArgumentException("bad");
    });
    assertThat(joined.result().failed()).isTrue();
    assertThat(flights.inflight()).isZero();
  }

  @Test
  void settlingWithoutAResultFailsTheCallers() {
    SingleFlight<String, String> flights = new SingleFlight<>();
    var joined = flights.join("k", p -> Future.succeededFuture());
    assertThat(joined.result().failed()).isTrue();
  }

  @Test
  void runSharesOneWorkAndForgetsTheKeyBeforeCallersSeeTheResult() {
    SingleFlight<String, String> flights = new SingleFlight<>();
    AtomicInteger runs = new AtomicInteger();
    Promise<String> work = Promise.promise();
    Future<String> first = flights.run("k", () -> {
      runs.incrementAndGet();
      return work.future();
    });
    Future<String> second = flights.run("k", () -> {
      runs.incrementAndGet();
      return Future.succeededFuture("other");
    });
    assertThat(runs).hasValue(1);
    assertThat(flights.isRunning("k")).isTrue();
    List<Boolean> runningWhenSeen = new ArrayList<>();
    first.onComplete(ar -> runningWhenSeen.add(flights.isRunning("k")));
    work.complete("bytes");
    assertThat(second.result()).isEqualTo("bytes");
    assertThat(runningWhenSeen).containsExactly(false);
    assertThat(flights.inflight()).isZero();
  }

  @Test
  void runFailsEveryCallerWhenTheWorkThrowsOrFails() {
    SingleFlight<String, String> flights = new SingleFlight<>();
    assertThat(flights.run("k", () -> {
      throw new IllegalStateException("no edge");
    }).cause()).hasMessage("no edge");
    assertThat(flights.run("k", () -> Future.failedFuture("down")).cause()).hasMessage("down");
    assertThat(flights.isRunning("k")).isFalse();
  }

  @Test
  void callersContinueOnTheirOwnContext() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      Promise<String> shared = Promise.promise();
      java.util.concurrent.CompletableFuture<Thread> seen = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.CompletableFuture<Thread> caller = new java.util.concurrent.CompletableFuture<>();
      vertx.runOnContext(v -> {
        caller.complete(Thread.currentThread());
        SingleFlight.onCallersContext(shared.future()).onComplete(ar -> seen.complete(Thread.currentThread()));
      });
      Thread callerThread = caller.get(10, TimeUnit.SECONDS);
      shared.complete("x");
      assertThat(seen.get(10, TimeUnit.SECONDS)).isSameAs(callerThread);
      Future<String> done = Future.succeededFuture("y");
      assertThat(SingleFlight.onCallersContext(done)).isSameAs(done);
    } finally {
      vertx.close().await();
    }
  }
}
