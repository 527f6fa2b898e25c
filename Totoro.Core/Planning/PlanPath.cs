namespace Totoro.Core.Planning;

/// <summary>A loop-free path: the link ids in order, and its total base latency.</summary>
public sealed class PlanPath
{
    public PlanPath(IReadOnlyList<int> links, double baseLatencyMicros)
    {
        Links = links;
        BaseLatencyMicros = baseLatencyMicros;
    }

    public IReadOnlyList<int> Links { get; }

    public double BaseLatencyMicros { get; }

    public bool SameLinks(PlanPath other) => Links.SequenceEqual(other.Links);
}
