namespace Totoro.Core.Planning;

/// <summary>
/// The path-planning congestion game. Link l's cost for a flow is c_l(L) = base_l + r_l · L / cap_l, where
/// L is the bytes of every flow on l (including the player's own) and r_l the expected attempts per success
/// (1/θ_l when known, the optimistic KL-UCB ω_l when learned). A player's cost is the sum over its path.
/// Costs are nondecreasing in load, so with equal bytes this is a Rosenthal potential game (docs/planning.md).
/// </summary>
public sealed class CongestionGame
{
    private readonly double[] _retransmissions;

    public CongestionGame(FlowGraph graph, IReadOnlyList<PlanFlow> flows, IReadOnlyList<IReadOnlyList<PlanPath>> strategies, double[] retransmissions)
    {
        if (flows.Count != strategies.Count || retransmissions.Length != graph.Links.Count)
            throw new ArgumentException("One strategy set per flow and one retransmission factor per link.");
        Graph = graph;
        Flows = flows;
        Strategies = strategies;
        _retransmissions = retransmissions;
    }

    public FlowGraph Graph { get; }

    public IReadOnlyList<PlanFlow> Flows { get; }

    public IReadOnlyList<IReadOnlyList<PlanPath>> Strategies { get; }

    /// <summary>The game with the true expected retransmissions 1/θ: what the simulator scores against.</summary>
    public static CongestionGame WithTrueCosts(FlowGraph graph, IReadOnlyList<PlanFlow> flows, IReadOnlyList<IReadOnlyList<PlanPath>> strategies) =>
        new(graph, flows, strategies, [.. graph.Links.Select(l => 1 / l.SuccessProbability)]);

    /// <summary>Cost of one link at a given load (bytes).</summary>
    public double LinkCost(int link, double loadBytes)
    {
        PlanLink l = Graph.Links[link];
        return l.BaseLatencyMicros + _retransmissions[link] * l.TransmissionMicros(loadBytes);
    }

    /// <summary>Bytes on every link under a profile (profile[i] = index into player i's strategies).</summary>
    public double[] Loads(IReadOnlyList<int> profile)
    {
        var loads = new double[Graph.Links.Count];
        for (int i = 0; i < profile.Count; i++)
        {
            foreach (int link in Strategies[i][profile[i]].Links)
                loads[link] += Flows[i].Bytes;
        }

        return loads;
    }

    /// <summary>Player i's cost on the path it holds in the profile whose link loads are given.</summary>
    public double Cost(int player, IReadOnlyList<int> profile, double[] loads) =>
        DeviationCost(player, profile[player], profile, loads);

    /// <summary>Player i's cost if it alone switched to strategy s (others fixed): its own bytes move with it.</summary>
    public double DeviationCost(int player, int strategy, IReadOnlyList<int> profile, double[] loads) =>
        PathCost(Strategies[player][profile[player]], Strategies[player][strategy], Flows[player].Bytes, loads);

    /// <summary>
    /// Cost of moving <paramref name="bytes"/> over <paramref name="candidate"/> when the loads include those
    /// bytes on <paramref name="current"/>: used for paths outside the strategy sets too (hop-by-hop planners).
    /// </summary>
    public double PathCost(PlanPath current, PlanPath candidate, double bytes, double[] loads)
    {
        double cost = 0;
        foreach (int link in candidate.Links)
        {
            double others = loads[link] - (current.Links.Contains(link) ? bytes : 0);
            cost += LinkCost(link, others + bytes);
        }

        return cost;
    }

    /// <summary>Player i's best strategy against the others and its cost (ties to the lowest index).</summary>
    public (int Strategy, double Cost) BestResponse(int player, IReadOnlyList<int> profile, double[] loads)
    {
        int best = 0;
        double bestCost = double.PositiveInfinity;
        for (int s = 0; s < Strategies[player].Count; s++)
        {
            double c = DeviationCost(player, s, profile, loads);
            if (c < bestCost)
            {
                best = s;
                bestCost = c;
            }
        }

        return (best, bestCost);
    }

    /// <summary>
    /// Rosenthal's potential Φ = Σ_l Σ_{k=1..n_l} c_l(k·b) with n_l flows on l. It is an exact potential when
    /// all flows carry the same bytes b; with unequal bytes it is only reported (see docs/planning.md).
    /// </summary>
    public double Potential(IReadOnlyList<int> profile)
    {
        var counts = new int[Graph.Links.Count];
        for (int i = 0; i < profile.Count; i++)
        {
            foreach (int link in Strategies[i][profile[i]].Links)
                counts[link]++;
        }

        double bytes = Flows.Count == 0 ? 0 : Flows[0].Bytes;
        double phi = 0;
        for (int l = 0; l < counts.Length; l++)
        {
            for (int k = 1; k <= counts[l]; k++)
                phi += LinkCost(l, k * bytes);
        }

        return phi;
    }

    /// <summary>
    /// The weighted potential of a weighted congestion game with affine link costs c_l(L) = a_l + b_l·L
    /// (Fotakis, Kontogiannis and Spirakis 2005): Φw = Σ_l [a_l·L_l + b_l·(L_l² + Σ_{j on l} w_j²)/2].
    /// A unilateral move of player i changes it by exactly w_i times the change of i's cost, for any bytes.
    /// </summary>
    public double WeightedPotential(IReadOnlyList<int> profile)
    {
        double[] loads = Loads(profile);
        var squares = new double[loads.Length];
        for (int i = 0; i < profile.Count; i++)
        {
            foreach (int link in Strategies[i][profile[i]].Links)
                squares[link] += Flows[i].Bytes * Flows[i].Bytes;
        }

        double phi = 0;
        for (int l = 0; l < loads.Length; l++)
        {
            if (loads[l] == 0)
                continue;
            double a = Graph.Links[l].BaseLatencyMicros;
            double b = LinkCost(l, 1) - a;
            phi += (a * loads[l]) + (b * ((loads[l] * loads[l]) + squares[l]) / 2);
        }

        return phi;
    }

    /// <summary>
    /// The largest relative cut (cost − best)/cost any single player could get by deviating alone:
    /// the profile is an ε-NE exactly when this is at most ε.
    /// </summary>
    public double NashGap(IReadOnlyList<int> profile)
    {
        double[] loads = Loads(profile);
        double gap = 0;
        for (int i = 0; i < profile.Count; i++)
        {
            double cost = Cost(i, profile, loads);
            double best = BestResponse(i, profile, loads).Cost;
            gap = Math.Max(gap, (cost - best) / cost);
        }

        return gap;
    }

    /// <summary>The largest absolute unilateral improvement (µs): one round's term of the Nash regret.</summary>
    public double LargestImprovement(IReadOnlyList<int> profile)
    {
        double[] loads = Loads(profile);
        double gain = 0;
        for (int i = 0; i < profile.Count; i++)
            gain = Math.Max(gain, Cost(i, profile, loads) - BestResponse(i, profile, loads).Cost);
        return gain;
    }
}
