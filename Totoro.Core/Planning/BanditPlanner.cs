namespace Totoro.Core.Planning;

/// <summary>
/// Baseline `bandit`: the EuroSys Algorithm 1 per flow. Link weight = base latency + ω·(flow bytes / capacity),
/// ω the KL-UCB optimistic attempts per success; hop by hop on ω + J (see <see cref="CandidateRouting"/>). It ignores the other flows' load.
/// </summary>
public sealed class BanditPlanner(PlanningContext context) : IPathPlanner
{
    private readonly PathChangeCounter _changes = new(context.Flows.Count);

    public string Name => "bandit";

    public int Moves => _changes.Changes;

    public IReadOnlyList<PlanPath> Choose(long slot)
    {
        double[] omega = context.Estimator.OptimisticAttempts(slot);
        var chosen = new PlanPath[context.Flows.Count];
        for (int i = 0; i < chosen.Length; i++)
        {
            PlanFlow flow = context.Flows[i];
            chosen[i] = CandidateRouting.Cheapest(context.Strategies[i],
                id => context.Graph.Links[id].BaseLatencyMicros + (omega[id] * context.Graph.Links[id].TransmissionMicros(flow.Bytes)));
        }

        return _changes.Track(chosen);
    }

    public void Observe(int flow, PlanPath path, double delayMicros)
    {
    }
}
