namespace Totoro.Core.Planning;

/// <summary>
/// Baseline `nexthop` (after Bhorkar et al.): hop by hop (<see cref="CandidateRouting"/>) on the empirical mean delay observed per link; a link
/// never used counts its base latency only (so it gets tried), with no confidence bonus afterwards.
/// </summary>
public sealed class NextHopPlanner(PlanningContext context) : IPathPlanner
{
    private readonly PathChangeCounter _changes = new(context.Flows.Count);

    public string Name => "nexthop";

    public int Moves => _changes.Changes;

    public IReadOnlyList<PlanPath> Choose(long slot)
    {
        var chosen = new PlanPath[context.Flows.Count];
        for (int i = 0; i < chosen.Length; i++)
        {
            chosen[i] = CandidateRouting.Cheapest(context.Strategies[i],
                id => context.Estimator.MeanDelay(id) ?? context.Graph.Links[id].BaseLatencyMicros);
        }

        return _changes.Track(chosen);
    }

    public void Observe(int flow, PlanPath path, double delayMicros)
    {
    }
}
