using Totoro.Core.Planning;

namespace Totoro.Core.Tests.Planning;

/// <summary>Small seeded random games for the brute-force checks.</summary>
internal static class PlanningInstances
{
    public static CongestionGame Random(int seed, int nodes, int flows, bool equalBytes)
    {
        var rng = new Random(seed);
        var graph = new FlowGraph(nodes);
        for (int v = 1; v < nodes; v++)
            Link(graph, rng, v, rng.Next(v));
        for (int e = 0; e < nodes; e++)
        {
            int a = rng.Next(nodes);
            int b = rng.Next(nodes);
            if (a != b && !graph.Outgoing(a).Any(id => graph.Links[id].To == b))
                Link(graph, rng, a, b);
        }

        var players = new List<PlanFlow>();
        var strategies = new List<IReadOnlyList<PlanPath>>();
        while (players.Count < flows)
        {
            int s = rng.Next(nodes);
            int d = rng.Next(nodes);
            if (s == d)
                continue;
            players.Add(new PlanFlow(s, d, equalBytes ? 1e6 : rng.Next(1, 20) * 1e5));
            strategies.Add(PathSet.KShortest(graph, s, d, k: 50, maxHops: nodes));
        }

        return CongestionGame.WithTrueCosts(graph, players, strategies);
    }

    private static void Link(FlowGraph graph, Random rng, int a, int b) =>
        graph.AddBidirectional(a, b, rng.Next(1, 10) * 1e6, rng.Next(1, 20) * 1000, 0.6 + (0.4 * rng.NextDouble()));
}
