namespace Totoro.Core.Planning;

/// <summary>A directed graph of <see cref="PlanLink"/>s over nodes 0..NodeCount-1, with outgoing adjacency.</summary>
public sealed class FlowGraph
{
    private readonly List<PlanLink> _links = [];
    private readonly List<List<int>> _outgoing = [];

    public FlowGraph(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodeCount);
        for (int i = 0; i < nodeCount; i++)
            _outgoing.Add([]);
    }

    public int NodeCount => _outgoing.Count;

    public IReadOnlyList<PlanLink> Links => _links;

    /// <summary>Adds a directed link and returns its id.</summary>
    public int AddLink(int from, int to, double capacityBytesPerSecond, double baseLatencyMicros, double successProbability)
    {
        if (from == to || (uint)from >= (uint)NodeCount || (uint)to >= (uint)NodeCount)
            throw new ArgumentException($"Bad link {from}->{to}.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(baseLatencyMicros);
        if (successProbability is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(successProbability));
        _links.Add(new PlanLink(from, to, capacityBytesPerSecond, baseLatencyMicros, successProbability));
        _outgoing[from].Add(_links.Count - 1);
        return _links.Count - 1;
    }

    /// <summary>Adds links both ways with the same parameters.</summary>
    public void AddBidirectional(int a, int b, double capacityBytesPerSecond, double baseLatencyMicros, double successProbability)
    {
        AddLink(a, b, capacityBytesPerSecond, baseLatencyMicros, successProbability);
        AddLink(b, a, capacityBytesPerSecond, baseLatencyMicros, successProbability);
    }

    public IReadOnlyList<int> Outgoing(int node) => _outgoing[node];
}
