using Totoro.Core.Runtime;

namespace Totoro.Core.Planning;

/// <summary>
/// ε-best response of one flow owner over its strategies, on costs learned from its own transfers
/// (<see cref="FlowCosts"/>): it moves only when the best alternative is cheaper than the current strategy by more than
/// a fraction, its move threshold (on the live forest ε less a tenth, <see cref="PlanningOptions.MoveThreshold"/>).
/// `bandit` (the EuroSys planner) prices each flow alone, blind to the other flows' load; `game` (Totoro+) adds the load
/// the others put on the same links, which makes the choices a congestion game.
/// </summary>
public sealed class LearningFlowPlanner(string name, bool loadAware, double moveThreshold) : IFlowPlanner
{
    /// <summary>
    /// What a sibling's extra hop costs the mover per child of its own: the hop delays the model to its whole subtree,
    /// and a round is its tree's slowest chain, which a player's own two flows do not see. Priced at the full hop per
    /// child the uniform world's trees stayed as shallow as Pastry's but the players declined moves the true game counts
    /// as gains; at 0 root's children chained under one another (trees 9 deep) and the uniform world's rounds grew
    /// slower as the game converged (docs/planning.md I.7).
    /// </summary>
    public const double SubtreeHopWeight = 0.3;

    /// <summary>How many times a sibling's extra level counts for a mover with <paramref name="children"/> of its own: once for itself, <see cref="SubtreeHopWeight"/> per child.</summary>
    public static double LevelWeight(int children) => 1 + (SubtreeHopWeight * children);

    public string Name => name;

    public bool LoadAware => loadAware;

    public double MoveThreshold => moveThreshold;

    public FlowStrategy Route(in FlowQuery flow, IPlanningObservations seen, out double gain)
    {
        double current = Cost(flow, flow.Current, seen);
        FlowStrategy best = flow.Current;
        double bestCost = current;
        Consider(flow, FlowStrategy.Direct, seen, ref best, ref bestCost);
        foreach (PeerHandle relay in flow.Relays.Span)
        {
            if (relay != flow.Peer)
                Consider(flow, new FlowStrategy(relay), seen, ref best, ref bestCost);
        }

        gain = current > 0 ? (current - bestCost) / current : 0;
        return bestCost < (1 - moveThreshold) * current ? best : flow.Current;
    }

    public PeerHandle Parent(in ParentQuery query, IPlanningObservations seen, out double gain)
    {
        double current = FlowCosts.Parent(seen, query.Current, query.Current, query.UpBytes, query.DownBytes, loadAware);
        PeerHandle best = query.Current;
        double bestCost = current;
        foreach (PeerHandle candidate in query.Candidates.Span)
        {
            if (candidate == query.Current || seen.Report(candidate) is not { IsKnown: true })
                continue; // a parent is only weighed once it has said what it carries and how fast its uplink is
            double cost = FlowCosts.Parent(seen, candidate, query.Current, query.UpBytes, query.DownBytes, loadAware, query.Deeper.Span.Contains(candidate) ? LevelWeight(query.Children) : 0, query.HopInto(candidate));
            if (cost < bestCost)
                (best, bestCost) = (candidate, cost);
        }

        gain = current > 0 ? (current - bestCost) / current : 0;
        return bestCost < (1 - moveThreshold) * current ? best : query.Current;
    }

    private void Consider(in FlowQuery flow, FlowStrategy strategy, IPlanningObservations seen, ref FlowStrategy best, ref double bestCost)
    {
        double cost = Cost(flow, strategy, seen);
        if (cost < bestCost)
            (best, bestCost) = (strategy, cost);
    }

    private double Cost(in FlowQuery flow, FlowStrategy strategy, IPlanningObservations seen) => strategy.IsDirect
        ? FlowCosts.Direct(seen, flow.Peer, flow.Bytes, loadAware)
        : FlowCosts.Relayed(seen, strategy.Via, flow.Peer, flow.Bytes, loadAware);
}
