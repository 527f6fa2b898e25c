using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// Pastry's prefix routing table: row r holds nodes that share exactly r leading digits with this node,
/// in the column of their next digit. Rows are allocated only as deep as the overlay needs
/// (about log_{2^b} N of them), so a node of a million-node overlay holds a few hundred bytes of table.
/// Proximity neighbour selection: a slot keeps the physically closest candidate it has been offered.
/// </summary>
internal struct RoutingTable
{
    private PeerHandle[]? _entries; // row-major, 2^b columns per row

    public readonly int Rows(int columns) => _entries is null ? 0 : _entries.Length / columns;

    public readonly PeerHandle Get(int row, int column, int columns)
    {
        int index = (row * columns) + column;
        return _entries is not null && index < _entries.Length ? _entries[index] : PeerHandle.None;
    }

    /// <summary>
    /// Offers a node whose id is <paramref name="id"/>; returns true when it took a slot (empty, or held by a farther
    /// node). <paramref name="proximity"/> is the caller's proximity to the peer, or −1 until someone needs it: this
    /// fills it in when it does, so that the neighbourhood set does not ask again. <paramref name="memo"/> carries the
    /// proximity of the last slot's occupant from one offer of a batch to the next.
    /// </summary>
    public bool TryAdd(INodeContext context, NodeId self, int b, PeerHandle peer, NodeId id, ref long proximity, ref SlotMemo memo)
    {
        int row = self.SharedPrefixDigits(id, b);
        if (row >= NodeId.DigitCount(b))
            return false;
        int columns = 1 << b;
        int index = (row * columns) + id.Digit(row, b);
        if (_entries is null || index >= _entries.Length)
            Array.Resize(ref _entries, (row + 1) * columns);
        PeerHandle current = _entries[index];
        if (current == peer)
            return false;
        if (!current.IsNone && memo.ProximityOf(context, index, current) <= Proximity.Of(context, peer, ref proximity))
            return false;
        _entries[index] = peer;
        if (proximity >= 0)
            memo.Remember(index, peer, proximity);
        return true;
    }

    public readonly bool Remove(PeerHandle peer)
    {
        if (_entries is null)
            return false;
        int at = Array.IndexOf(_entries, peer);
        if (at < 0)
            return false;
        _entries[at] = PeerHandle.None;
        return true;
    }

    /// <summary>The row and column a peer occupies, or (-1, -1).</summary>
    public readonly (int Row, int Column) Find(PeerHandle peer, int columns)
    {
        int at = _entries is null ? -1 : Array.IndexOf(_entries, peer);
        return at < 0 ? (-1, -1) : (at / columns, at % columns);
    }

    /// <summary>A filled slot of one row picked with <paramref name="random"/>, or none when the row is empty.</summary>
    public readonly PeerHandle AnyInRow(int row, int columns, ulong random, PeerHandle avoid = default)
    {
        if (_entries is null || (row + 1) * columns > _entries.Length)
            return PeerHandle.None;
        int start = (int)(random % (ulong)columns);
        for (int i = 0; i < columns; i++)
        {
            PeerHandle p = _entries[(row * columns) + ((start + i) % columns)];
            if (!p.IsNone && p != avoid)
                return p;
        }

        return PeerHandle.None;
    }

    /// <summary>Number of filled slots in rows [first, last].</summary>
    public readonly int CountFilled(int first, int last, int columns)
    {
        int n = 0;
        if (_entries is null)
            return 0;
        int end = Math.Min(_entries.Length, (last + 1) * columns);
        for (int i = first * columns; i < end; i++)
        {
            if (!_entries[i].IsNone)
                n++;
        }

        return n;
    }

    /// <summary>Copies the filled slots of rows [first, last]; returns how many were written.</summary>
    public readonly int CopyFilled(int first, int last, int columns, Span<PeerHandle> destination)
    {
        int n = 0;
        if (_entries is null)
            return 0;
        int end = Math.Min(_entries.Length, (last + 1) * columns);
        for (int i = first * columns; i < end; i++)
        {
            if (!_entries[i].IsNone)
                destination[n++] = _entries[i];
        }

        return n;
    }

    /// <summary>Bytes this table holds on the heap (array header and slots).</summary>
    public readonly long HeapBytes => _entries is null ? 0 : 24 + (4L * _entries.Length);
}
