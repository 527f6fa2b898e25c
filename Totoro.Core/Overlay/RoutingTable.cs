using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// Pastry's prefix routing table: row r holds nodes that share exactly r leading digits with this node,
/// in the column of their next digit. Rows are allocated only as deep as the overlay needs
/// (about log_{2^b} N of them), so a node of a million-node overlay holds a few hundred bytes of table.
/// Proximity neighbour selection: a slot keeps the physically closest candidate it has been offered.
/// </summary>
/// <remarks>
/// Row r of an N-node overlay fills about N / 2^(b(r+1)) of its slots per column, so past log_{2^b} N the rows hold a
/// slot or two each (at 10^6 nodes rows 5 and 6 hold about one peer between them, yet took 128 bytes). The upper rows
/// are kept in full; the deeper ones as (slot, peer) pairs after them in the same array, in slot order, until a row
/// holds a quarter of its columns and is kept in full with every row above it. What the table answers is the same.
/// </remarks>
internal struct RoutingTable
{
    // [0, _fullCells): the full rows, row-major; then _pairs (slot, peer) pairs, a slot stored as a handle whose index
    // is the slot. Capacity past the pairs is spare.
    private PeerHandle[]? _cells;
    private ushort _fullCells;
    private ushort _pairs;
    private byte _rows; // one past the deepest row ever offered a peer: the rows the protocol walks

    public readonly int Rows(int columns) => _rows;

    public readonly PeerHandle Get(int row, int column, int columns)
    {
        if (row >= _rows)
            return PeerHandle.None;
        int slot = (row * columns) + column;
        if (slot < _fullCells)
            return _cells![slot];
        int at = PairOf(slot);
        return at >= 0 ? _cells![at + 1] : PeerHandle.None;
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
        if (row >= _rows)
            _rows = (byte)(row + 1);
        PeerHandle current = Get(row, index - (row * columns), columns);
        if (current == peer)
            return false;
        if (!current.IsNone && memo.ProximityOf(context, index, current) <= Proximity.Of(context, peer, ref proximity))
            return false;
        Set(row, index, peer, columns);
        if (proximity >= 0)
            memo.Remember(index, peer, proximity);
        return true;
    }

    public bool Remove(PeerHandle peer)
    {
        if (_cells is null)
            return false;
        int fullCells = _fullCells;
        int at = Array.IndexOf(_cells, peer, 0, fullCells);
        if (at >= 0)
        {
            _cells[at] = PeerHandle.None;
            return true;
        }

        for (int i = fullCells; i < fullCells + (2 * _pairs); i += 2)
        {
            if (_cells[i + 1] == peer)
            {
                Array.Copy(_cells, i + 2, _cells, i, fullCells + (2 * _pairs) - i - 2);
                _pairs--;
                _cells[fullCells + (2 * _pairs)] = _cells[fullCells + (2 * _pairs) + 1] = PeerHandle.None;
                return true;
            }
        }

        return false;
    }

    /// <summary>The row and column a peer occupies, or (-1, -1).</summary>
    public readonly (int Row, int Column) Find(PeerHandle peer, int columns)
    {
        if (_cells is null)
            return (-1, -1);
        int fullCells = _fullCells;
        int at = Array.IndexOf(_cells, peer, 0, fullCells);
        if (at < 0)
        {
            for (int i = fullCells; i < fullCells + (2 * _pairs) && at < 0; i += 2)
            {
                if (_cells[i + 1] == peer)
                    at = _cells[i].Index;
            }
        }

        return at < 0 ? (-1, -1) : (at / columns, at % columns);
    }

    /// <summary>A filled slot of one row picked with <paramref name="random"/>, or none when the row is empty.</summary>
    public readonly PeerHandle AnyInRow(int row, int columns, ulong random, PeerHandle avoid = default)
    {
        if (row >= _rows)
            return PeerHandle.None;
        int start = (int)(random % (ulong)columns);
        for (int i = 0; i < columns; i++)
        {
            PeerHandle p = Get(row, (start + i) % columns, columns);
            if (!p.IsNone && p != avoid)
                return p;
        }

        return PeerHandle.None;
    }

    /// <summary>Number of filled slots in rows [first, last].</summary>
    public readonly int CountFilled(int first, int last, int columns) => Filled(first, last, columns, []);

    /// <summary>Copies the filled slots of rows [first, last], row by row; returns how many were written.</summary>
    public readonly int CopyFilled(int first, int last, int columns, Span<PeerHandle> destination) => Filled(first, last, columns, destination);

    /// <summary>Bytes this table holds on the heap (array header and slots).</summary>
    public readonly long HeapBytes => _cells is null ? 0 : 24 + (4L * _cells.Length);

    private readonly int Filled(int first, int last, int columns, Span<PeerHandle> destination)
    {
        if (_cells is null)
            return 0;
        int n = 0;
        int fullEnd = Math.Min(_fullCells, (last + 1) * columns);
        for (int i = first * columns; i < fullEnd; i++)
        {
            if (!_cells[i].IsNone)
                Write(destination, ref n, _cells[i]);
        }

        for (int i = _fullCells; i < _fullCells + (2 * _pairs); i += 2)
        {
            int row = _cells[i].Index / columns;
            if (row >= first && row <= last)
                Write(destination, ref n, _cells[i + 1]);
        }

        return n;
    }

    /// <summary>Puts a peer in a slot: in place in a full row, else as a pair (a row a quarter full becomes a full row).</summary>
    private void Set(int row, int slot, PeerHandle peer, int columns)
    {
        if (slot < _fullCells)
        {
            _cells![slot] = peer;
            return;
        }

        int at = PairOf(slot);
        if (at >= 0)
        {
            _cells![at + 1] = peer;
            return;
        }

        int end = _fullCells + (2 * _pairs);
        if (_cells is null || _cells.Length < end + 2)
            Array.Resize(ref _cells, end + 2);
        at = end;
        while (at > _fullCells && _cells[at - 2].Index > slot)
            at -= 2;
        Array.Copy(_cells, at, _cells, at + 2, end - at);
        _cells[at] = new PeerHandle(slot);
        _cells[at + 1] = peer;
        _pairs++;
        int inRow = 0;
        for (int i = _fullCells; i < end + 2; i += 2)
            inRow += _cells[i].Index / columns == row ? 1 : 0;
        if (inRow >= Math.Max(1, columns / 4))
            Fill(row + 1, columns);
    }

    /// <summary>Keeps rows [0, <paramref name="rows"/>) in full: their pairs move into place, the deeper pairs follow.</summary>
    private void Fill(int rows, int columns)
    {
        int fullCells = rows * columns;
        int end = _fullCells + (2 * _pairs);
        var cells = new PeerHandle[fullCells + (2 * _pairs)];
        Array.Copy(_cells!, cells, _fullCells);
        int kept = 0;
        for (int i = _fullCells; i < end; i += 2)
        {
            int slot = _cells![i].Index;
            if (slot < fullCells)
            {
                cells[slot] = _cells[i + 1];
            }
            else
            {
                cells[fullCells + (2 * kept)] = _cells[i];
                cells[fullCells + (2 * kept) + 1] = _cells[i + 1];
                kept++;
            }
        }

        _cells = cells;
        _fullCells = (ushort)fullCells;
        _pairs = (ushort)kept;
    }

    private static void Write(Span<PeerHandle> destination, ref int n, PeerHandle peer)
    {
        if (!destination.IsEmpty)
            destination[n] = peer;
        n++;
    }

    /// <summary>The position of <paramref name="slot"/>'s pair, or −1.</summary>
    private readonly int PairOf(int slot)
    {
        for (int i = _fullCells; i < _fullCells + (2 * _pairs); i += 2)
        {
            int at = _cells![i].Index;
            if (at == slot)
                return i;
            if (at > slot)
                break;
        }

        return -1;
    }
}
