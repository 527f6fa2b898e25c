namespace Totoro.Core.Planning;

/// <summary>
/// Baseline `e2e` (after Gai et al.): each flow is a bandit over its whole candidate paths, seeing only the
/// end-to-end delay. Untried paths first, then the lowest LCB index mean − scale·√(2 ln τ / n), where scale is
/// the largest mean delay the flow has seen (delays are not bounded, so the bonus is relative).
/// </summary>
public sealed class EndToEndPlanner : IPathPlanner
{
    private readonly PlanningContext _context;
    private readonly double[][] _sum;
    private readonly long[][] _count;
    private readonly PathChangeCounter _changes;

    public EndToEndPlanner(PlanningContext context)
    {
        _context = context;
        _sum = [.. context.Strategies.Select(s => new double[s.Count])];
        _count = [.. context.Strategies.Select(s => new long[s.Count])];
        _changes = new PathChangeCounter(context.Flows.Count);
    }

    public string Name => "e2e";

    public int Moves => _changes.Changes;

    public IReadOnlyList<PlanPath> Choose(long slot)
    {
        var chosen = new PlanPath[_context.Flows.Count];
        for (int i = 0; i < chosen.Length; i++)
            chosen[i] = _context.Strategies[i][Pick(i, slot)];
        return _changes.Track(chosen);
    }

    public void Observe(int flow, PlanPath path, double delayMicros)
    {
        IReadOnlyList<PlanPath> set = _context.Strategies[flow];
        for (int s = 0; s < set.Count; s++)
        {
            if (set[s].SameLinks(path))
            {
                _sum[flow][s] += delayMicros;
                _count[flow][s]++;
                return;
            }
        }
    }

    private int Pick(int flow, long slot)
    {
        long[] count = _count[flow];
        double scale = 0;
        for (int s = 0; s < count.Length; s++)
        {
            if (count[s] == 0)
                return s;
            scale = Math.Max(scale, _sum[flow][s] / count[s]);
        }

        int best = 0;
        double bestIndex = double.PositiveInfinity;
        for (int s = 0; s < count.Length; s++)
        {
            double index = (_sum[flow][s] / count[s]) - (scale * Math.Sqrt(2 * Math.Log(Math.Max(slot, 1)) / count[s]));
            if (index < bestIndex)
            {
                best = s;
                bestIndex = index;
            }
        }

        return best;
    }
}
