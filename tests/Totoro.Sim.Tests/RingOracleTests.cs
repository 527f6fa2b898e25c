using Totoro.Core.Runtime;
using Totoro.Sim.Kernel;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests;

public class RingOracleTests
{
    [Fact]
    public void The_array_oracle_finds_the_brute_force_closest_node_and_the_sorted_neighbours()
    {
        ulong random = 7;
        const int n = 500;
        var ids = Enumerable.Range(0, n).Select(_ => NodeId.FromRandom(SplitMix64.Next(ref random), SplitMix64.Next(ref random))).ToArray();
        var nodes = Enumerable.Range(0, n).Select(i => 1000 + i).ToArray(); // node numbers unlike positions
        var oracle = new RingOracle(ids.Select(id => id.Value).ToArray(), nodes.ToArray());

        for (int k = 0; k < 300; k++)
        {
            var key = NodeId.FromRandom(SplitMix64.Next(ref random), SplitMix64.Next(ref random));
            int best = 0;
            for (int i = 1; i < n; i++)
            {
                if (key.IsCloser(ids[i], ids[best]))
                    best = i;
            }

            Assert.Equal(nodes[best], oracle.Closest(key));
        }

        // Leaf sets: the clockwise successors of a node are the next ids in sorted order (brute force: sort a copy).
        int[] byId = Enumerable.Range(0, n).OrderBy(i => ids[i].Value).ToArray();
        for (int p = 0; p < n; p += 37)
        {
            (int[] right, int[] left) = oracle.LeafSet(ids[byId[p]], 3);
            Assert.Equal(new[] { 1, 2, 3 }.Select(d => nodes[byId[(p + d) % n]]), right);
            Assert.Equal(new[] { 1, 2, 3 }.Select(d => nodes[byId[(p - d + n) % n]]), left);
        }
    }

    [Fact]
    public void Arrays_of_different_lengths_are_refused()
        => Assert.Throws<ArgumentException>(() => new RingOracle(new UInt128[3], new int[2]));
}
