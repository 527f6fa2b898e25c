namespace Totoro.Core.Planning;

/// <summary>
/// A planner under test: each slot it picks one path per flow; after the transfers it sees the end-to-end
/// delay of every flow (per-link attempts and delays go into the shared <see cref="LinkEstimator"/>).
/// </summary>
public interface IPathPlanner
{
    string Name { get; }

    /// <summary>Best-response moves made so far (game) or path changes between slots (the others).</summary>
    int Moves { get; }

    IReadOnlyList<PlanPath> Choose(long slot);

    void Observe(int flow, PlanPath path, double delayMicros);
}
