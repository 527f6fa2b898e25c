using Totoro.Core.Planning;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// A seeded graph resembling an edge overlay: nodes in a square, each joined to its nearest earlier node (so the
/// graph is connected) then to near neighbours until degree 3–5; latency 1–40 ms by distance; capacity
/// 50–500 Mbit/s; per-attempt success θ in [0.6, 1].
/// </summary>
internal static class PlanningGraphBuilder
{
    private const int MinDegree = 3;
    private const int MaxDegree = 5;

    public static FlowGraph Build(int nodes, ref ulong rng)
    {
        var x = new double[nodes];
        var y = new double[nodes];
        for (int v = 0; v < nodes; v++)
        {
            x[v] = SplitMix64.NextDouble(ref rng);
            y[v] = SplitMix64.NextDouble(ref rng);
        }

        var graph = new FlowGraph(nodes);
        var neighbours = new HashSet<int>[nodes];
        for (int v = 0; v < nodes; v++)
            neighbours[v] = [];
        for (int v = 1; v < nodes; v++)
            Join(graph, v, Nearest(v, Enumerable.Range(0, v)), ref rng);
        for (int v = 0; v < nodes; v++)
        {
            int target = MinDegree + SplitMix64.NextInt(ref rng, MaxDegree - MinDegree + 1);
            foreach (int w in Enumerable.Range(0, nodes).Where(w => w != v).OrderBy(w => Distance(v, w)).ThenBy(w => w))
            {
                if (neighbours[v].Count >= target)
                    break;
                if (!neighbours[v].Contains(w) && neighbours[w].Count < MaxDegree)
                    Join(graph, v, w, ref rng);
            }
        }

        return graph;

        double Distance(int a, int b) => Math.Sqrt(((x[a] - x[b]) * (x[a] - x[b])) + ((y[a] - y[b]) * (y[a] - y[b])));

        int Nearest(int v, IEnumerable<int> candidates) => candidates.OrderBy(w => Distance(v, w)).ThenBy(w => w).First();

        void Join(FlowGraph g, int a, int b, ref ulong state)
        {
            neighbours[a].Add(b);
            neighbours[b].Add(a);
            double latencyMicros = 1000 + (39_000 * Math.Min(1, Distance(a, b) / Math.Sqrt(2)));
            double mbits = 50 + (450 * SplitMix64.NextDouble(ref state));
            double theta = 0.6 + (0.4 * SplitMix64.NextDouble(ref state));
            g.AddBidirectional(a, b, mbits * 1e6 / 8, latencyMicros, Math.Min(theta, 1));
        }
    }
}
