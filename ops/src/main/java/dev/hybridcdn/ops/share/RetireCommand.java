package dev.hybridcdn.ops.share;

import dev.hybridcdn.ops.StackEnv;
import dev.hybridcdn.origin.OriginConfig;
import dev.hybridcdn.origin.ingest.Ingester;
import dev.hybridcdn.servicekit.config.Env;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cdn retire ID}: retires a song or shared file in a running stack (seed 004's "retire"):
 * its manifest is gone at once; the origin's retirement sweep deletes its segments and announces
 * SongRetired, so edges and peers evict them and the tracker forgets them. Exit 1 for an unknown id.
 */
@Command(name = "retire", mixinStandardHelpOptions = true, usageHelpWidth = 120,
    description = "Retire a song or shared file: manifest gone now, segments evicted everywhere by the next sweep.")
public final class RetireCommand implements Callable<Integer> {
  @Parameters(paramLabel = "ID", description = "Content id (cdn list).")
  String id;

  @Override
  public Integer call() {
    OriginConfig config = OriginConfig.from(new Env(StackEnv.load()));
    try (Ingester ingester = Ingester.start(config)) {
      if (!ingester.retire(id)) {
        System.err.println("cdn retire: no content " + id);
        return 1;
      }
      System.out.println("retired " + id + ": manifest gone; segments evicted within the origin's retirement sweep");
    }
    return 0;
  }
}
