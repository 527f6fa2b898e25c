using Totoro.Core.Planning;

namespace Totoro.Core.Tests.Planning;

public class GameTests
{
    [Theory]
    [InlineData(1, true, 0.0)]
    [InlineData(2, true, 0.05)]
    [InlineData(3, false, 0.05)]
    [InlineData(4, false, 0.0)]
    [InlineData(5, true, 0.1)]
    public void BestResponseEndsAtAnEpsilonNashEquilibrium(int seed, bool equalBytes, double epsilon)
    {
        CongestionGame game = PlanningInstances.Random(seed, nodes: 7, flows: 6, equalBytes);
        var profile = new int[game.Flows.Count];
        int moves = BestResponseDynamics.Run(game, profile, epsilon);
        Assert.True(moves < 100_000);

        // Brute force: every player, every strategy, others fixed.
        double[] loads = game.Loads(profile);
        for (int i = 0; i < profile.Length; i++)
        {
            double cost = game.Cost(i, profile, loads);
            for (int s = 0; s < game.Strategies[i].Count; s++)
            {
                var deviated = (int[])profile.Clone();
                deviated[i] = s;
                double alternative = game.Cost(i, deviated, game.Loads(deviated));
                Assert.True(cost - alternative <= (epsilon * cost) + 1e-9, $"player {i} gains {(cost - alternative) / cost:P} by {s}");
            }
        }

        Assert.True(game.NashGap(profile) <= epsilon + 1e-9);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void PotentialFallsWithEveryAcceptedMoveForEqualBytes(int seed)
    {
        CongestionGame game = PlanningInstances.Random(seed, nodes: 7, flows: 8, equalBytes: true);
        var profile = new int[game.Flows.Count];
        var potentials = new List<double> { game.Potential(profile) };
        int moves = BestResponseDynamics.Run(game, profile, 0.01, onMove: p => potentials.Add(game.Potential(p)));
        Assert.Equal(moves + 1, potentials.Count);
        for (int m = 1; m < potentials.Count; m++)
            Assert.True(potentials[m] < potentials[m - 1], $"move {m}: Φ {potentials[m - 1]} -> {potentials[m]}");
    }

    [Fact]
    public void PotentialChangeEqualsTheMoversCostChange()
    {
        // Rosenthal's identity, the heart of the convergence argument.
        CongestionGame game = PlanningInstances.Random(21, nodes: 6, flows: 5, equalBytes: true);
        var profile = new int[game.Flows.Count];
        for (int i = 0; i < profile.Length; i++)
        {
            for (int s = 0; s < game.Strategies[i].Count; s++)
            {
                var moved = (int[])profile.Clone();
                moved[i] = s;
                double dCost = game.Cost(i, moved, game.Loads(moved)) - game.Cost(i, profile, game.Loads(profile));
                double dPhi = game.Potential(moved) - game.Potential(profile);
                Assert.Equal(dCost, dPhi, 6);
            }
        }
    }

    [Theory]
    [InlineData(41)]
    [InlineData(42)]
    public void WeightedPotentialTracksTheMoversWeightedCostForUnequalBytes(int seed)
    {
        CongestionGame game = PlanningInstances.Random(seed, nodes: 6, flows: 5, equalBytes: false);
        var profile = new int[game.Flows.Count];
        for (int i = 0; i < profile.Length; i++)
        {
            for (int s = 0; s < game.Strategies[i].Count; s++)
            {
                var moved = (int[])profile.Clone();
                moved[i] = s;
                double dCost = game.Cost(i, moved, game.Loads(moved)) - game.Cost(i, profile, game.Loads(profile));
                double dPhi = game.WeightedPotential(moved) - game.WeightedPotential(profile);
                Assert.Equal(1, (game.Flows[i].Bytes * dCost) == 0 ? 1 : dPhi / (game.Flows[i].Bytes * dCost), 6);
            }
        }

        // And it falls with every accepted ε-best-response move.
        double last = game.WeightedPotential(profile);
        BestResponseDynamics.Run(game, profile, 0.02, onMove: p =>
        {
            double now = game.WeightedPotential(p);
            Assert.True(now < last);
            last = now;
        });
    }

    [Fact]
    public void KShortestPathsAreLoopFreeSortedAndStartWithTheShortest()
    {
        CongestionGame game = PlanningInstances.Random(31, nodes: 8, flows: 3, equalBytes: true);
        foreach ((PlanFlow flow, IReadOnlyList<PlanPath> paths) in game.Flows.Zip(game.Strategies))
        {
            double[] toGo = PathSet.LatencyToGo(game.Graph, flow.Destination);
            Assert.Equal(toGo[flow.Source], paths[0].BaseLatencyMicros, 6);
            IReadOnlyList<PlanPath> three = PathSet.KShortest(game.Graph, flow.Source, flow.Destination, 3, 8);
            Assert.Equal(paths.Take(3).Select(p => p.BaseLatencyMicros), three.Select(p => p.BaseLatencyMicros));
            foreach (PlanPath path in paths)
            {
                var nodes = new List<int> { flow.Source };
                nodes.AddRange(path.Links.Select(id => game.Graph.Links[id].To));
                Assert.Equal(nodes.Count, nodes.Distinct().Count());
                Assert.Equal(flow.Destination, nodes[^1]);
            }

            Assert.True(paths.Zip(paths.Skip(1)).All(p => p.First.BaseLatencyMicros <= p.Second.BaseLatencyMicros));
        }
    }
}
