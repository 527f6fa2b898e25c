using Totoro.Core.Runtime;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Brute-force truth about the ring of live nodes: who is numerically closest to a key, and what each node's
/// leaf set should be. Built from a sorted copy of every live id.
/// </summary>
public sealed class RingOracle
{
    private readonly UInt128[] _ids;
    private readonly int[] _nodes;

    public RingOracle(IEnumerable<(NodeId Id, int Node)> live)
    {
        var all = live.ToArray();
        Array.Sort(all, static (a, b) => a.Id.CompareTo(b.Id));
        _ids = new UInt128[all.Length];
        _nodes = new int[all.Length];
        for (int i = 0; i < all.Length; i++)
        {
            _ids[i] = all[i].Id.Value;
            _nodes[i] = all[i].Node;
        }
    }

    /// <summary>
    /// Takes the two arrays (an id and its node at the same position) and sorts them by id in place: no copy, which
    /// at ten million nodes is the difference between 200 MB and about a gigabyte of tuples at the run's peak.
    /// </summary>
    public RingOracle(UInt128[] ids, int[] nodes)
    {
        if (ids.Length != nodes.Length)
            throw new ArgumentException($"{ids.Length} ids but {nodes.Length} nodes.", nameof(nodes));
        Array.Sort(ids, nodes);
        _ids = ids;
        _nodes = nodes;
    }

    public int Count => _ids.Length;

    /// <summary>The live node numerically closest to the key (ties to the smaller id).</summary>
    public int Closest(NodeId key)
    {
        int at = Array.BinarySearch(_ids, key.Value);
        if (at >= 0)
            return _nodes[at];
        int successor = ~at % _ids.Length;
        int predecessor = (successor - 1 + _ids.Length) % _ids.Length;
        return key.IsCloser(new NodeId(_ids[predecessor]), new NodeId(_ids[successor])) ? _nodes[predecessor] : _nodes[successor];
    }

    /// <summary>The node's <paramref name="half"/> clockwise successors and counter-clockwise predecessors, closest first.</summary>
    public (int[] Right, int[] Left) LeafSet(NodeId id, int half)
    {
        int at = Array.BinarySearch(_ids, id.Value);
        if (at < 0)
            throw new ArgumentException($"{id} is not a live node.", nameof(id));
        int others = _ids.Length - 1;
        int n = Math.Min(half, others);
        var right = new int[n];
        var left = new int[n];
        for (int i = 0; i < n; i++)
        {
            right[i] = _nodes[(at + 1 + i) % _ids.Length];
            left[i] = _nodes[(at - 1 - i + (2 * _ids.Length)) % _ids.Length];
        }

        return (right, left);
    }
}
