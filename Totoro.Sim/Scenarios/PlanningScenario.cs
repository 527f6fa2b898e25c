using Totoro.Core.Planning;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Runs one planner on the planning game for K rounds. Each round every flow takes the path its planner picks;
/// each link it crosses costs base latency + attempts × transmission time of the link's whole load that round,
/// attempts geometric in θ (seeded). Feedback: per-link attempts and delays, and the flow's end-to-end delay.
/// Deterministic for a seed.
/// </summary>
public static class PlanningScenario
{
    /// <summary>Runs the scenario; <paramref name="onChoice"/> sees (slot, flow, candidate index) for every choice.</summary>
    public static PlanningSection Run(PlanningSimConfig config, Action<long, int, int>? onChoice = null)
    {
        if (!PlannerKind.Names.Contains(config.Planner))
            throw new ArgumentException($"Unknown planner '{config.Planner}'.", nameof(config));
        ulong rng = SplitMix64.Derive(config.Seed, 0x9A7E);
        FlowGraph graph = PlanningGraphBuilder.Build(config.Nodes, ref rng);
        (List<PlanFlow> flows, List<IReadOnlyList<PlanPath>> strategies) = Flows(config, graph, ref rng);
        var estimator = new LinkEstimator(graph.Links.Count);
        var context = new PlanningContext(graph, flows, strategies, estimator);
        IPathPlanner planner = PlannerKind.Create(config.Planner, context, config.Epsilon);
        var truth = CongestionGame.WithTrueCosts(graph, flows, strategies);

        // Attempts use their own stream, so every planner faces the same draws as far as their paths agree.
        ulong attemptsRng = SplitMix64.Derive(config.Seed, 0xA77E);
        var hindsight = flows.Select(f => new double[strategies[flows.IndexOf(f)].Count]).ToArray();
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
                    onChoice(slot, i, IndexOf(strategies[i], chosen[i]));
            }

            var loads = new double[graph.Links.Count];
            for (int i = 0; i < flows.Count; i++)
            {
                foreach (int link in chosen[i].Links)
                    loads[link] += flows[i].Bytes;
            }

            for (int l = 0; l < loads.Length; l++)
                estimator.ObserveLoad(l, loads[l]);
            double slowest = 0;
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
                slowest = Math.Max(slowest, delay);

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
            roundSum += slowest;
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
            planner.Moves,
            Math.Max(0, nashGap),
            cumulative / 1e6,
            regret / 1e6,
            nashRegret / 1e6,
            roundSum / config.Packets / 1e6,
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

    /// <summary>Each app: a master and FlowsPerApp distinct workers, each worker's flow toward the master.</summary>
    private static (List<PlanFlow>, List<IReadOnlyList<PlanPath>>) Flows(PlanningSimConfig config, FlowGraph graph, ref ulong rng)
    {
        var flows = new List<PlanFlow>();
        var strategies = new List<IReadOnlyList<PlanPath>>();
        for (int app = 0; app < config.Apps; app++)
        {
            int master = SplitMix64.NextInt(ref rng, graph.NodeCount);
            var workers = new HashSet<int>();
            while (workers.Count < Math.Min(config.FlowsPerApp, graph.NodeCount - 1))
            {
                int w = SplitMix64.NextInt(ref rng, graph.NodeCount);
                if (w != master && workers.Add(w))
                {
                    flows.Add(new PlanFlow(w, master, config.FlowBytes));
                    strategies.Add(PathSet.KShortest(graph, w, master, config.PathsPerFlow, config.MaxHops));
                }
            }
        }

        return (flows, strategies);
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
