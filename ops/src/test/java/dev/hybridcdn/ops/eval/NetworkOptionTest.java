package dev.hybridcdn.ops.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hybridcdn.ops.stack.NetworkOption;
import dev.hybridcdn.servicekit.network.NetworkModel;
import dev.hybridcdn.servicekit.network.NodeKind;
import org.junit.jupiter.api.Test;

/** The shipped default network model reads and says what the README says it does. */
class NetworkOptionTest {
  @Test
  void theShippedModelHasResidentialPeersAndGigabitEdges() {
    NetworkModel m = NetworkOption.shipped();
    assertEquals(2, m.bandwidth().get(NodeKind.PEER).uplink().min());
    assertEquals(20, m.bandwidth().get(NodeKind.PEER).uplink().max());
    assertEquals(1000, m.bandwidth().get(NodeKind.EDGE).uplink().min());
    assertTrue(m.backboneMs("us-east", "eu-west") > m.backboneMs("eu-west", "eu-west"));
    assertEquals("us-east", m.originRegion());
  }
}
