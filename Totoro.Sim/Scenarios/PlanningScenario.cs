using Totoro.Core.Planning;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Runs one planner on the planning game for K rounds. Each round every flow takes the path its planner picks;
/// each link it crosses costs base latency + attempts × transmission time of the link's whole load that round,
/// attempts geometric in θ (seeded). Feedback: per-link attempts and delays, and the flow's end-to-end delay.
/// An app's round time composes its flows' delays over its tree (<see cref="PlanningTree.RoundTime"/>).
/// Deterministic for a seed; every planner gets the same graph, flows, bytes and attempt stream.
/// </summary>
public static class PlanningScenario
{
    /// <summary>
    /// Runs the scenario; <paramref name="onChoice"/> sees (slot, flow, rank) for every choice, rank being the chosen
    /// path's place among the flow's candidates sorted by true solo delay D_θ(p) (0 = best alone; paper Fig. 11).
    /// </summary>
    public static PlanningSection Run(PlanningSimConfig config, Action<long, int, int>? onChoice = null)
    {
        if (!PlannerKind.Names.Contains(config.Planner))
            throw new ArgumentException($"Unknown planner '{config.Planner}'.", nameof(config));
        if (config.Trees && config.Fanout < 1)
            throw new ArgumentException($"Tree fanout must be at least 1 (got {config.Fanout}).", nameof(config));
        ulong rng = SplitMix64.Derive(config.Seed, 0x9A7E);
        FlowGraph graph = PlanningGraphBuilder.Build(config.Nodes, ref rng);
        var workload = PlanningWorkload.Build(config, graph, ref rng);
        List<PlanFlow> flows = workload.Flows;
        List<IReadOnlyList<PlanPath>> strategies = workload.Strategies;
        int[][] soloRank = [.. flows.Select((f, i) => SoloRanks(graph, strategies[i], f.Bytes))];
        var estimator = new LinkEstimator(graph.Links.Count);
        var context = new PlanningContext(graph, flows, strategies, estimator);
        IPathPlanner planner = PlannerKind.Create(config.Planner, context, config.Epsilon);
        var truth = CongestionGame.WithTrueCosts(graph, flows, strategies);

        // Attempts use their own stream, so every planner faces the same draws as far as their paths agree.
        ulong attemptsRng = SplitMix64.Derive(config.Seed, 0xA77E);
        double[][] hindsight = [.. strategies.Select(s => new double[s.Count])];
        var expectedSum = new double[flows.Count];
        double cumulative = 0;
        double nashRegret = 0;
        double roundSum = 0;
        double nashGap = 0;
        var curve = new List<RegretPoint>();
        long checkpoint = 10;
        for (long slot = 1; slot <= config.Packets; slot++)
        {
            IReadOnlyList<PlanPath> chosen = planner.Choose(slot);
            if (onChoice is not null)
            {
                for (int i = 0; i < flows.Count; i++)
                {
                    int index = IndexOf(strategies[i], chosen[i]);
                    onChoice(slot, i, index < 0 ? -1 : soloRank[i][index]);
                }

            }

            var loads = new double[graph.Links.Count];
            for (int i = 0; i < flows.Count; i++)
            {
                foreach (int link in chosen[i].Links)
                    loads[link] += flows[i].Bytes;
            }

            for (int l = 0; l < loads.Length; l++)
                estimator.ObserveLoad(l, loads[l]);
            var delays = new double[flows.Count];
            double largestGain = 0;
            double largestRelativeGain = 0;
            for (int i = 0; i < flows.Count; i++)
            {
                double delay = 0;
                foreach (int link in chosen[i].Links)
                {
                    PlanLink l = graph.Links[link];
                    int attempts = Geometric(l.SuccessProbability, ref attemptsRng);
                    double linkDelay = l.BaseLatencyMicros + (attempts * l.TransmissionMicros(loads[link]));
                    estimator.ObserveDelivery(link, attempts, linkDelay);
                    delay += linkDelay;
                }

                planner.Observe(i, chosen[i], delay);
                cumulative += delay;
                delays[i] = delay;

                double expected = truth.PathCost(chosen[i], chosen[i], flows[i].Bytes, loads);
                expectedSum[i] += expected;
                double best = double.PositiveInfinity;
                for (int s = 0; s < strategies[i].Count; s++)
                {
                    double alternative = truth.PathCost(chosen[i], strategies[i][s], flows[i].Bytes, loads);
                    hindsight[i][s] += alternative;
                    best = Math.Min(best, alternative);
                }

                largestGain = Math.Max(largestGain, expected - best);
                largestRelativeGain = Math.Max(largestRelativeGain, (expected - best) / expected);
            }

            nashRegret += largestGain;
            foreach (PlanningTree tree in workload.Trees)
                roundSum += tree.RoundTime(delays);
            nashGap = largestRelativeGain;
            if (slot == checkpoint || slot == config.Packets)
            {
                curve.Add(new RegretPoint((int)slot, Regret(expectedSum, hindsight) / 1e6, nashRegret / 1e6));
                if (slot == checkpoint)
                    checkpoint *= 10;
            }
        }

        double regret = Regret(expectedSum, hindsight);

        return new PlanningSection(
            config.Planner,
            config.Epsilon,
            config.Packets,
            graph.NodeCount,
            graph.Links.Count,
            flows.Count,
            config.Apps,
            config.Trees,
            planner.Moves,
            Math.Max(0, nashGap),
            cumulative / 1e6,
            regret / 1e6,
            nashRegret / 1e6,
            roundSum / config.Packets / workload.Trees.Count / 1e6,
            cumulative / config.Packets / flows.Count / 1e6,
            curve);
    }

    /// <summary>Σ_flows (expected cost so far − the best fixed candidate path's cost in hindsight), µs.</summary>
    private static double Regret(double[] expectedSum, double[][] hindsight)
    {
        double regret = 0;
        for (int i = 0; i < expectedSum.Length; i++)
            regret += expectedSum[i] - hindsight[i].Min();
        return regret;
    }

    /// <summary>For each candidate, its rank by D_θ(p) = Σ base + w/(θ·cap), the flow's true delay with its links to itself.</summary>
    private static int[] SoloRanks(FlowGraph graph, IReadOnlyList<PlanPath> candidates, double bytes)
    {
        double[] solo = [.. candidates.Select(p => p.Links.Sum(id => graph.Links[id].BaseLatencyMicros + (graph.Links[id].TransmissionMicros(bytes) / graph.Links[id].SuccessProbability)))];
        int[] order = [.. Enumerable.Range(0, candidates.Count).OrderBy(s => solo[s]).ThenBy(s => s)];
        var rank = new int[candidates.Count];
        for (int r = 0; r < order.Length; r++)
            rank[order[r]] = r;
        return rank;
    }

    private static int IndexOf(IReadOnlyList<PlanPath> candidates, PlanPath path)
    {
        for (int s = 0; s < candidates.Count; s++)
        {
            if (candidates[s].SameLinks(path))
                return s;
        }

        return -1;
    }

    /// <summary>Attempts until the first success, success probability θ per attempt.</summary>
    private static int Geometric(double theta, ref ulong rng)
    {
        int attempts = 1;
        while (SplitMix64.NextDouble(ref rng) >= theta && attempts < 1000)
            attempts++;
        return attempts;
    }
}
