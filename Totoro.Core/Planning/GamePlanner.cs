namespace Totoro.Core.Planning;

/// <summary>
/// The Totoro+ planner: flows are players of the congestion game over their candidate paths. Each slot the
/// link costs are re-estimated optimistically (KL-UCB ω for retransmissions, loads from the current profile)
/// and ε-best-response dynamics run from the current profile until no player gains more than ε.
/// </summary>
public sealed class GamePlanner(PlanningContext context, double epsilon) : IPathPlanner
{
    private readonly int[] _profile = new int[context.Flows.Count];

    public string Name => "game";

    public double Epsilon => epsilon;

    public int Moves { get; private set; }

    /// <summary>The current strategy profile (index into each flow's candidate paths).</summary>
    public IReadOnlyList<int> Profile => _profile;

    public IReadOnlyList<PlanPath> Choose(long slot)
    {
        var game = new CongestionGame(context.Graph, context.Flows, context.Strategies, context.Estimator.OptimisticAttempts(slot));
        Moves += BestResponseDynamics.Run(game, _profile, epsilon);
        return [.. _profile.Select((s, i) => context.Strategies[i][s])];
    }

    public void Observe(int flow, PlanPath path, double delayMicros)
    {
    }
}
