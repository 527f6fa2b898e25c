namespace Totoro.Core.Planning;

/// <summary>Counts how often flows switch paths between slots, so baselines report comparable "moves".</summary>
internal sealed class PathChangeCounter(int flows)
{
    private readonly PlanPath?[] _last = new PlanPath?[flows];

    public int Changes { get; private set; }

    public IReadOnlyList<PlanPath> Track(IReadOnlyList<PlanPath> chosen)
    {
        for (int i = 0; i < chosen.Count; i++)
        {
            if (_last[i] is { } last && !last.SameLinks(chosen[i]))
                Changes++;
            _last[i] = chosen[i];
        }

        return chosen;
    }
}
