namespace Totoro.Core.Planning;

/// <summary>
/// Hop-by-hop forwarding: at each node take the out-link minimizing w(link) + J(next), where J is the
/// cost-to-go under the same weights (Algorithm 1's C = ω + J). Weights are positive, so the walk follows a
/// shortest-path tree and never loops.
/// </summary>
internal static class HopByHop
{
    public static PlanPath Route(FlowGraph graph, int source, int destination, Func<int, double> weight)
    {
        double[] toGo = PathSet.ShortestToGo(graph, destination, weight);
        var links = new List<int>();
        double latency = 0;
        int node = source;
        while (node != destination)
        {
            int best = -1;
            double bestCost = double.PositiveInfinity;
            foreach (int id in graph.Outgoing(node))
            {
                double c = weight(id) + toGo[graph.Links[id].To];
                if (c < bestCost)
                {
                    best = id;
                    bestCost = c;
                }
            }

            if (best < 0 || links.Count > graph.NodeCount)
                throw new InvalidOperationException($"No route from {source} to {destination}.");
            links.Add(best);
            latency += graph.Links[best].BaseLatencyMicros;
            node = graph.Links[best].To;
        }

        return new PlanPath(links, latency);
    }
}
