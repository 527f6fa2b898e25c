namespace Totoro.Core.Planning;

/// <summary>
/// A player's strategies: the k shortest loop-free paths by base latency within a hop limit, found by
/// branch and bound (a partial path is cut when its latency plus the latency-to-go lower bound cannot
/// beat the k-th best found). With k large it is every simple path up to the hop limit.
/// </summary>
public static class PathSet
{
    public static IReadOnlyList<PlanPath> KShortest(FlowGraph graph, int source, int destination, int k, int maxHops)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        double[] toGo = LatencyToGo(graph, destination);
        var best = new List<PlanPath>();
        var onPath = new bool[graph.NodeCount];
        var links = new List<int>();
        onPath[source] = true;
        Search(source, 0);
        return best;

        void Search(int node, double latency)
        {
            if (node == destination)
            {
                Insert(new PlanPath([.. links], latency));
                return;
            }

            if (links.Count >= maxHops || double.IsPositiveInfinity(toGo[node]))
                return;
            if (best.Count == k && latency + toGo[node] >= best[^1].BaseLatencyMicros)
                return;
            foreach (int id in graph.Outgoing(node))
            {
                PlanLink link = graph.Links[id];
                if (onPath[link.To])
                    continue;
                onPath[link.To] = true;
                links.Add(id);
                Search(link.To, latency + link.BaseLatencyMicros);
                links.RemoveAt(links.Count - 1);
                onPath[link.To] = false;
            }
        }

        void Insert(PlanPath path)
        {
            int at = best.FindIndex(p => p.BaseLatencyMicros > path.BaseLatencyMicros);
            best.Insert(at < 0 ? best.Count : at, path);
            if (best.Count > k)
                best.RemoveAt(best.Count - 1);
        }
    }

    /// <summary>Dijkstra from every node to the destination over base latency (the bound used to prune).</summary>
    public static double[] LatencyToGo(FlowGraph graph, int destination) =>
        ShortestToGo(graph, destination, id => graph.Links[id].BaseLatencyMicros);

    /// <summary>Cost-to-go J(v) to the destination under any nonnegative link weights.</summary>
    public static double[] ShortestToGo(FlowGraph graph, int destination, Func<int, double> weight)
    {
        var incoming = new List<int>[graph.NodeCount];
        for (int v = 0; v < graph.NodeCount; v++)
            incoming[v] = [];
        for (int id = 0; id < graph.Links.Count; id++)
            incoming[graph.Links[id].To].Add(id);
        var dist = new double[graph.NodeCount];
        Array.Fill(dist, double.PositiveInfinity);
        dist[destination] = 0;
        var queue = new PriorityQueue<int, double>();
        queue.Enqueue(destination, 0);
        while (queue.TryDequeue(out int node, out double d))
        {
            if (d > dist[node])
                continue;
            foreach (int id in incoming[node])
            {
                int from = graph.Links[id].From;
                double nd = d + weight(id);
                if (nd < dist[from])
                {
                    dist[from] = nd;
                    queue.Enqueue(from, nd);
                }
            }
        }

        return dist;
    }
}
