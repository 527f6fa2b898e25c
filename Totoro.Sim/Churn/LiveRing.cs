using Totoro.Core.Runtime;

namespace Totoro.Sim.Churn;

/// <summary>
/// The oracle under churn: the ids of the nodes live and joined right now, kept sorted as nodes come and go, so
/// "which node is numerically closest to this key" is answered for the instant a lookup is delivered.
/// </summary>
public sealed class LiveRing
{
    private readonly SortedSet<(UInt128 Id, int Node)> _ring = [];

    public int Count => _ring.Count;

    public void Add(NodeId id, int node) => _ring.Add((id.Value, node));

    public void Remove(NodeId id, int node) => _ring.Remove((id.Value, node));

    /// <summary>The live node numerically closest to the key (ties to the smaller id), or -1 on an empty ring.</summary>
    public int Closest(NodeId key)
    {
        if (_ring.Count == 0)
            return -1;
        (UInt128 Id, int Node) successor = First(_ring.GetViewBetween((key.Value, int.MinValue), (UInt128.MaxValue, int.MaxValue)), reverse: false) ?? _ring.Min;
        (UInt128 Id, int Node) predecessor = First(_ring.GetViewBetween((UInt128.MinValue, int.MinValue), (key.Value, int.MinValue)), reverse: true) ?? _ring.Max;
        return key.IsCloser(new NodeId(predecessor.Id), new NodeId(successor.Id)) ? predecessor.Node : successor.Node;
    }

    // A view's Count walks the whole view; its first element costs O(log n).
    private static (UInt128 Id, int Node)? First(SortedSet<(UInt128 Id, int Node)> view, bool reverse)
    {
        foreach ((UInt128 Id, int Node) item in reverse ? view.Reverse() : view)
            return item;
        return null;
    }
}
