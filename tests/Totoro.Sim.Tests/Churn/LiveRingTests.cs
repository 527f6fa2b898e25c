using Totoro.Core.Runtime;
using Totoro.Sim.Churn;
using Totoro.Sim.Kernel;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Churn;

public class LiveRingTests
{
    [Fact]
    public void The_closest_live_node_matches_a_rebuilt_oracle_as_nodes_come_and_go()
    {
        ulong random = 42;
        var ids = Enumerable.Range(0, 400).Select(_ => NodeId.FromRandom(SplitMix64.Next(ref random), SplitMix64.Next(ref random))).ToArray();
        var live = new HashSet<int>();
        var ring = new LiveRing();
        for (int step = 0; step < 2000; step++)
        {
            int node = SplitMix64.NextInt(ref random, ids.Length);
            if (live.Remove(node))
                ring.Remove(ids[node], node);
            else if (live.Add(node))
                ring.Add(ids[node], node);
            if (step % 50 != 0 || live.Count == 0)
                continue;
            var oracle = new RingOracle(live.Select(i => (ids[i], i)));
            for (int k = 0; k < 50; k++)
            {
                var key = NodeId.FromRandom(SplitMix64.Next(ref random), SplitMix64.Next(ref random));
                Assert.Equal(oracle.Closest(key), ring.Closest(key));
            }
        }
    }
}
