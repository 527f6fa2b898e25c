using System.Runtime.CompilerServices;
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
    /// <summary>Bits of a cell that hold the peer's handle (index + 1); the rest hold its rough proximity.</summary>
    private const int HandleBits = 26; // 67 M peers: past the simulator's 50 M

    private const int HandleMask = (1 << HandleBits) - 1;

    /// <summary>The rough proximity of a holder measured at or past 63 × 4,096 µs (or not known): only its exact proximity orders it.</summary>
    private const int CodeCeiling = 63;

    /// <summary>Microseconds of proximity per step of a rough proximity (log2).</summary>
    private const int CodeShift = 12;

    /// <summary>The largest peer index a table holds: a handle's value must fit in <see cref="HandleBits"/> bits.</summary>
    public const int MaxPeerIndex = HandleMask - 1;

    // [0, _fullCells): the full rows, row-major; then _pairs (slot, peer) pairs. A peer's cell holds its handle and, in
    // the top bits, a rough code of its proximity (CodeOf): an offer is weighed against a slot's holder on the codes,
    // without measuring the holder (a read of its place, a cache miss at a million nodes), unless the codes tie.
    // A pair's slot cell is the slot number. Capacity past the pairs is spare.
    private int[]? _cells;
    private ushort _fullCells;
    private ushort _pairs;
    private byte _rows; // one past the deepest row ever offered a peer: the rows the protocol walks

    public readonly int Rows(int columns) => _rows;

    public readonly PeerHandle Get(int row, int column, int columns) => HandleOf(Cell(row, column, columns));

    /// <summary>
    /// Offers a node whose id is <paramref name="id"/>; returns true when it took a slot (empty, or held by a farther
    /// node). <paramref name="proximity"/> is the caller's proximity to the peer, or −1 until someone needs it: this
    /// fills it in, so that the neighbourhood set does not ask again. <paramref name="memo"/> carries the proximity of
    /// the last slot's holder measured (when the rough codes tie) from one offer of a batch to the next.
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
        int cell = Cell(row, index - (row * columns), columns);
        PeerHandle current = HandleOf(cell);
        if (current == peer)
            return false;
        long distance = Proximity.Of(context, peer, ref proximity);
        int code = CodeOf(distance);
        if (!current.IsNone)
        {
            // The codes keep the order of proximities (code(a) < code(b) means a < b); equal codes need the holder's.
            int held = (int)((uint)cell >> HandleBits);
            if (held < code || (held == code && memo.ProximityOf(context, index, current) <= distance))
                return false;
        }

        Set(row, index, Pack(peer, code), columns);
        memo.Remember(index, peer, distance);
        return true;
    }

    /// <summary>A proximity's rough code: its 4,096 µs step, capped at <see cref="CodeCeiling"/>; order-keeping.</summary>
    internal static int CodeOf(long proximity) => proximity < 0 ? CodeCeiling : (int)Math.Min(CodeCeiling, proximity >> CodeShift);

    private static int Pack(PeerHandle peer, int code)
    {
        int value = Unsafe.BitCast<PeerHandle, int>(peer);
        if ((uint)value > HandleMask)
            throw new InvalidOperationException($"Peer #{peer.Index} is past the routing table's limit of {MaxPeerIndex:N0} (peer indices must fit in {HandleBits} bits).");
        return value | (code << HandleBits);
    }

    private static PeerHandle HandleOf(int cell) => Unsafe.BitCast<int, PeerHandle>(cell & HandleMask);

    /// <summary>The cell of a slot (0 when empty): in place in a full row, else its pair's peer cell.</summary>
    private readonly int Cell(int row, int column, int columns)
    {
        if (row >= _rows)
            return 0;
        int slot = (row * columns) + column;
        if (slot < _fullCells)
            return _cells![slot];
        int at = PairOf(slot);
        return at >= 0 ? _cells![at + 1] : 0;
    }

    /// <summary>Where <paramref name="peer"/> sits among the full cells, or −1.</summary>
    private readonly int IndexInFull(PeerHandle peer)
    {
        int value = Unsafe.BitCast<PeerHandle, int>(peer);
        for (int i = 0; i < _fullCells; i++)
        {
            if ((_cells![i] & HandleMask) == value)
                return i;
        }

        return -1;
    }

    public bool Remove(PeerHandle peer)
    {
        if (_cells is null)
            return false;
        int fullCells = _fullCells;
        int at = IndexInFull(peer);
        if (at >= 0)
        {
            _cells[at] = 0;
            return true;
        }

        for (int i = fullCells; i < fullCells + (2 * _pairs); i += 2)
        {
            if (HandleOf(_cells[i + 1]) == peer)
            {
                Array.Copy(_cells, i + 2, _cells, i, fullCells + (2 * _pairs) - i - 2);
                _pairs--;
                _cells[fullCells + (2 * _pairs)] = _cells[fullCells + (2 * _pairs) + 1] = 0;
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
        int at = IndexInFull(peer);
        if (at < 0)
        {
            for (int i = fullCells; i < fullCells + (2 * _pairs) && at < 0; i += 2)
            {
                if (HandleOf(_cells[i + 1]) == peer)
                    at = _cells[i];
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
            if (_cells[i] != 0)
                Write(destination, ref n, HandleOf(_cells[i]));
        }

        for (int i = _fullCells; i < _fullCells + (2 * _pairs); i += 2)
        {
            int row = _cells[i] / columns;
            if (row >= first && row <= last)
                Write(destination, ref n, HandleOf(_cells[i + 1]));
        }

        return n;
    }

    /// <summary>Puts a peer's cell in a slot: in place in a full row, else as a pair (a row a quarter full becomes a full row).</summary>
    private void Set(int row, int slot, int peer, int columns)
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
        while (at > _fullCells && _cells[at - 2] > slot)
            at -= 2;
        Array.Copy(_cells, at, _cells, at + 2, end - at);
        _cells[at] = slot;
        _cells[at + 1] = peer;
        _pairs++;
        int inRow = 0;
        for (int i = _fullCells; i < end + 2; i += 2)
            inRow += _cells[i] / columns == row ? 1 : 0;
        if (inRow >= Math.Max(1, columns / 4))
            Fill(row + 1, columns);
    }

    /// <summary>Keeps rows [0, <paramref name="rows"/>) in full: their pairs move into place, the deeper pairs follow.</summary>
    private void Fill(int rows, int columns)
    {
        int fullCells = rows * columns;
        int end = _fullCells + (2 * _pairs);
        var cells = new int[fullCells + (2 * _pairs)];
        Array.Copy(_cells!, cells, _fullCells);
        int kept = 0;
        for (int i = _fullCells; i < end; i += 2)
        {
            int slot = _cells![i];
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
            int at = _cells![i];
            if (at == slot)
                return i;
            if (at > slot)
                break;
        }

        return -1;
    }
}
