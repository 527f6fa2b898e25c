namespace Totoro.Sim.Network;

/// <summary>
/// The idle stretches of nodes' downlinks before their last reservation: a message sent later over a shorter path (or
/// from a sender with no queue) that reaches the receiver before a message already reserved there takes the link in
/// such a stretch instead of waiting behind it. A node's one stretch (the usual case: the lead of the one message in
/// flight to it) is kept in its own <see cref="Slot"/>; more go to one block of a shared pool, returned when they are
/// spent, so the pool holds only what is in flight and nothing is allocated per message once it has grown to the
/// run's peak. With every stretch in the pool, a 100,000-node lookup run took 14 % more CPU than without stretches.
/// </summary>
internal sealed class DownlinkGaps
{
    /// <summary>Stretches kept per node; past that the shortest is given up (the link counts as busy then, as before).</summary>
    public const int PerNode = 8;

    /// <summary>A stretch shorter than this takes no message worth the bookkeeping (a 100-byte probe at 8 Mbit/s is 100 µs).</summary>
    public const long MinMicros = 20;

    private const int BlockLongs = 1 + (2 * PerNode); // count, then (start, end) pairs in time order

    /// <summary>
    /// Blocks per segment of the pool. The pool grows a segment at a time and never copies: grown by doubling one
    /// array, a million-node run held the old and the new array at once, and up to half of the new one unused, in its
    /// peak memory (+100 MB against the run without stretches).
    /// </summary>
    private const int SegmentShift = 10;
    private const int SegmentBlocks = 1 << SegmentShift;

    private long[][] _segments = [];
    private int[] _free = new int[64];
    private int _freeCount;
    private int _blocks;

    /// <summary>
    /// Where on the downlink a message that reaches at <paramref name="reaches"/> and needs <paramref name="service"/> µs
    /// goes: the first idle stretch it fits in at or after it reaches, or -1 when none does (it queues behind the last
    /// reservation). Stretches that ended before <paramref name="now"/> are dropped first; the one used is split.
    /// </summary>
    public long Fit(ref Slot slot, long now, long reaches, long service)
    {
        if (slot.Block == 0)
        {
            if (slot.End == 0)
                return -1;
            if (slot.End <= now)
            {
                slot = default; // it ended: dropped
                return -1;
            }

            long from = slot.Start, to = slot.End, begins = Math.Max(from, reaches);
            if (begins + service > to)
                return -1;
            slot = default;
            Insert(ref slot, begins + service, to); // what is left of the stretch after it and before it (kept in time order)
            Insert(ref slot, from, begins);
            return begins + service;
        }

        ref int block = ref slot.Block;
        Prune(ref block, now);
        if (block == 0)
            return -1;
        Span<long> stretches = Block(block);
        int count = (int)stretches[0];
        for (int i = 0; i < count; i++)
        {
            long start = stretches[1 + (2 * i)], end = stretches[2 + (2 * i)];
            long begin = Math.Max(start, reaches);
            if (begin + service > end)
                continue;
            RemoveAt(stretches, i);
            Insert(ref block, begin + service, end); // what is left of the stretch after it and before it (kept in time order)
            Insert(ref block, start, begin);
            return begin + service;
        }

        return -1;
    }

    /// <summary>Records the idle stretch [<paramref name="start"/>, <paramref name="end"/>) ahead of a new reservation (stretches that ended before <paramref name="now"/> are dropped first).</summary>
    public void Add(ref Slot slot, long now, long start, long end)
    {
        if (end - start < MinMicros)
            return;
        if (slot.Block != 0)
            Prune(ref slot.Block, now);
        else if (slot.End != 0 && slot.End <= now)
            slot = default;
        Insert(ref slot, start, end);
    }

    /// <summary>Inserts a stretch in the node's own slot while it is the only one, else in the pool (the slot's one moves there first).</summary>
    private void Insert(ref Slot slot, long start, long end)
    {
        if (end - start < MinMicros)
            return;
        if (slot.Block == 0 && slot.End == 0)
        {
            slot.Start = start;
            slot.End = end;
            return;
        }

        if (slot.Block == 0)
        {
            int block = Rent();
            Span<long> stretches = Block(block);
            stretches[0] = 1;
            stretches[1] = slot.Start;
            stretches[2] = slot.End;
            slot = new Slot { Block = block };
        }

        Insert(ref slot.Block, start, end);
    }

    /// <summary>A node's idle stretches: its one stretch here (<see cref="End"/> 0: none), or a block of the pool (<see cref="Block"/> 0: none).</summary>
    public struct Slot
    {
        public long Start;
        public long End;
        public int Block;
    }

    private void Insert(ref int block, long start, long end)
    {
        if (end - start < MinMicros)
            return;
        if (block == 0)
            block = Rent();
        Span<long> stretches = Block(block);
        int count = (int)stretches[0];
        if (count == PerNode)
        {
            int shortest = 0;
            for (int i = 1; i < count; i++)
            {
                if (Length(stretches, i) < Length(stretches, shortest))
                    shortest = i;
            }

            if (Length(stretches, shortest) >= end - start)
                return;
            RemoveAt(stretches, shortest);
            count--;
        }

        int place = count;
        while (place > 0 && stretches[1 + (2 * (place - 1))] > start)
            place--;
        for (int i = count; i > place; i--)
        {
            stretches[1 + (2 * i)] = stretches[-1 + (2 * i)];
            stretches[2 + (2 * i)] = stretches[2 * i];
        }

        stretches[1 + (2 * place)] = start;
        stretches[2 + (2 * place)] = end;
        stretches[0] = count + 1;
    }

    /// <summary>Block <paramref name="block"/> (1-based) of the pool: its count, then its stretches.</summary>
    private Span<long> Block(int block)
    {
        int index = block - 1;
        return _segments[index >> SegmentShift].AsSpan((index & (SegmentBlocks - 1)) * BlockLongs, BlockLongs);
    }

    private static long Length(Span<long> stretches, int i) => stretches[2 + (2 * i)] - stretches[1 + (2 * i)];

    private static void RemoveAt(Span<long> stretches, int i)
    {
        int count = (int)stretches[0];
        for (int j = i; j < count - 1; j++)
        {
            stretches[1 + (2 * j)] = stretches[3 + (2 * j)];
            stretches[2 + (2 * j)] = stretches[4 + (2 * j)];
        }

        stretches[0] = count - 1;
    }

    private void Prune(ref int block, long now)
    {
        Span<long> stretches = Block(block);
        int count = (int)stretches[0];
        int gone = 0;
        while (gone < count && stretches[2 + (2 * gone)] <= now)
            gone++; // stretches are in time order and do not overlap: the ended ones come first
        for (int i = 0; i < gone; i++)
            RemoveAt(stretches, 0);
        if (gone == count)
            Release(ref block);
    }

    private int Rent()
    {
        if (_freeCount > 0)
            return _free[--_freeCount] + 1;
        if ((_blocks >> SegmentShift) == _segments.Length)
        {
            Array.Resize(ref _segments, _segments.Length + 1); // an array of references: the blocks themselves stay put
            _segments[^1] = new long[SegmentBlocks * BlockLongs];
        }

        Block(_blocks + 1)[0] = 0;
        return ++_blocks;
    }

    private void Release(ref int block)
    {
        if (_freeCount == _free.Length)
            Array.Resize(ref _free, _free.Length * 2);
        Block(block)[0] = 0;
        _free[_freeCount++] = block - 1;
        block = 0;
    }
}
