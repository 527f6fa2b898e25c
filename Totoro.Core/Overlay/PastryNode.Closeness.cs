using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// What this node's own routing state says about who should own a key: how many nodes it knows (itself, its leaf set,
/// its routing table, its neighbourhood) are closer to the key than a given id. Peers it is probing or knows dead do
/// not count. Used to check that a node claiming to be an app's root is the closest one this node knows of.
/// </summary>
public sealed partial class PastryNode
{
    /// <summary>
    /// Distinct known live nodes (this one included) closer to <paramref name="key"/> than <paramref name="than"/>,
    /// counted up to <paramref name="stopAt"/>.
    /// </summary>
    public int KnownCloser(NodeId key, NodeId than, int stopAt)
    {
        int count = key.IsCloser(Id, than) && Id != than ? 1 : 0;
        int columns = _options.Columns;
        int slots = _leaf.DistinctCount + _routing.CountFilled(0, _routing.Rows(columns), columns) + _neighbours.Count;
        PeerHandle[] known = System.Buffers.ArrayPool<PeerHandle>.Shared.Rent(Math.Max(1, slots));
        try
        {
            int n = _leaf.CopyDistinct(known);
            n += _routing.CopyFilled(0, _routing.Rows(columns), columns, known.AsSpan(n));
            Neighbours.CopyTo(known.AsSpan(n));
            n += _neighbours.Count;
            Span<PeerHandle> seen = known.AsSpan(0, n);
            seen.Sort((a, b) => a.Index.CompareTo(b.Index));
            for (int i = 0; i < n && count < stopAt; i++)
            {
                PeerHandle p = seen[i];
                if ((i > 0 && seen[i - 1] == p) || p == _context.Self || _suspects.Contains(p))
                    continue;
                NodeId id = _context.IdOf(p);
                if (id != than && key.IsCloser(id, than))
                    count++;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<PeerHandle>.Shared.Return(known);
        }

        return count;
    }
}
