using Totoro.Sim.Kernel;
using Totoro.Sim.Network;
using Totoro.Sim.Scenarios;

namespace Totoro.Sim.Tests.Planning;

public class LiveFlowGameTests
{
    [Fact]
    public void TheWeightedPotentialChangesByTheMoversWeightedCostChange()
    {
        // The identity that makes ε-best response stop: on the true costs of the live-flow game, a flow that moves
        // alone changes Φ by exactly its bytes times its own cost change (unequal bytes, relays, lossy pairs).
        const int nodes = 12;
        var links = new LinkModel(new FlatTopology(nodes), nodes, new NetworkOptions { SlowFraction = 0.3, LossyFraction = 0.3, BadPathFraction = 0.3 }, seed: 4);
        ulong random = 9;
        for (int i = 0; i < nodes; i++)
            links.Place(i, ref random);
        var game = new LiveFlowGame(links);
        var flows = new List<LiveFlowGame.Flow>();
        for (int f = 0; f < 20; f++)
        {
            int from = SplitMix64.NextInt(ref random, nodes);
            int to = (from + 1 + SplitMix64.NextInt(ref random, nodes - 1)) % nodes;
            flows.Add(new LiveFlowGame.Flow(from, to, -1, 10_000 + SplitMix64.NextInt(ref random, 90_000)));
        }

        game.Load(flows);
        int checkedMoves = 0;
        for (int m = 0; m < 50; m++)
        {
            int i = SplitMix64.NextInt(ref random, flows.Count);
            LiveFlowGame.Flow old = flows[i];
            int via = SplitMix64.NextInt(ref random, nodes);
            LiveFlowGame.Flow moved = via == old.From || via == old.To ? old with { Via = -1 } : old with { Via = via };
            double before = game.Potential(flows);
            double costBefore = game.Cost(old);
            double predicted = game.CostInstead(old, moved);
            game.Add(old, -1);
            game.Add(moved, 1);
            flows[i] = moved;
            double after = game.Potential(flows);
            Assert.Equal(predicted, game.Cost(moved), 6);
            Assert.Equal(old.Bytes * (predicted - costBefore), after - before, Math.Abs(after - before) * 1e-9 + 1e-3);
            checkedMoves++;
        }

        Assert.Equal(50, checkedMoves);
    }
}
