namespace Totoro.Sim.Kernel;

/// <summary>
/// The simulator's pending events, kept in time order by buckets (a calendar queue in the style of a ladder queue):
/// <list type="bullet">
/// <item>the current window's events, sorted once and then taken one after another;</item>
/// <item>a small heap for events scheduled into the current window after it was sorted (short delays, rare);</item>
/// <item>a ring of <see cref="BucketCount"/> unsorted buckets for the next windows, appended to in O(1); a bucket is a
/// chain of fixed-size blocks from one shared pool, so memory follows the pending events, not the largest bucket;</item>
/// <item>an unsorted list for the far future, spread over the ring when the ring runs dry.</item>
/// </list>
/// Events are stored by value next to their keys and read in time order, so dequeuing walks memory sequentially
/// instead of chasing heap slots. A key is the event's time (top 40 bits, µs: 12.7 simulated days) and its schedule
/// sequence (low 24 bits): simultaneous events come out first-in-first-out (within 16.7 M schedules of each other,
/// and always in the same order). Nothing is allocated per event once the buckets have grown. The pool and the far list
/// grow by fixed-size segments, never by doubling: a burst does not hold an old and a new copy of a large array at once.
/// </summary>
/// <typeparam name="T">The payload; a struct, copied into the queue.</typeparam>
public sealed class EventQueue<T>
    where T : struct
{
    /// <summary>Latest schedulable time (µs): 2^40 − 1, about 12.7 days.</summary>
    public const long MaxTime = (1L << TimeBits) - 1;

    /// <summary>Buckets in the ring.</summary>
    public const int BucketCount = 1 << 14;

    private const int SequenceBits = 24;
    private const int TimeBits = 64 - SequenceBits;
    private const ulong SequenceMask = (1UL << SequenceBits) - 1;
    private const int TargetPerBucket = 32;
    private const int RebaseSample = 1024;

    private readonly BlockPool _pool = new();
    private readonly int[] _first = new int[BucketCount]; // first block of each bucket, -1 when empty
    private readonly int[] _last = new int[BucketCount];  // block being filled
    private readonly int[] _sizes = new int[BucketCount];
    private readonly Run _current = new(16);
    private int[] _order = new int[16];   // _current's payload positions in key order: sorting moves ints, not payloads
    private readonly Run _near = new(16); // a binary heap by key
    private readonly FarList _far = new();
    private int _head;             // next event of _current
    private int _bucket = -1;      // ring bucket that _current came from
    private long _ringStart;       // time of bucket 0
    private int _widthBits;        // bucket width = 2^_widthBits µs
    private long _windowEnd;       // end of the current window: earlier events go to _near
    private long _ringCount;       // events in ring buckets
    private long _sequence;

    public EventQueue(int initialCapacity = 1024)
    {
        _ = initialCapacity; // the pool grows on demand
        Array.Fill(_first, -1);
        Array.Fill(_last, -1);
    }

    public int Count { get; private set; }

    /// <summary>Events scheduled since the queue was made.</summary>
    public long Scheduled => _sequence;

    /// <summary>Time of the earliest pending event; undefined when empty.</summary>
    public long PeekTime
    {
        get
        {
            if (!EnsureNext())
                return long.MaxValue;
            ulong key = _near.Count > 0 && (_head >= _current.Count || _near.Keys[0] < _current.Keys[_head]) ? _near.Keys[0] : _current.Keys[_head];
            return (long)(key >> SequenceBits);
        }
    }

    /// <summary>Bytes held by the queue's arrays.</summary>
    public long CapacityBytes
    {
        get
        {
            return _current.CapacityBytes + _near.CapacityBytes + _far.Slots.CapacityBytes + _pool.CapacityBytes + (3L * 4 * BucketCount);
        }
    }

    public void Schedule(long time, in T payload)
    {
        if ((ulong)time > MaxTime)
            throw new InvalidOperationException($"Event time {time} µs is outside the simulator's range 0..{MaxTime} µs (12.7 days).");
        ulong key = ((ulong)time << SequenceBits) | ((ulong)_sequence++ & SequenceMask);
        Count++;
        if (time < _windowEnd)
        {
            _near.HeapPush(key, payload);
            return;
        }

        long offset = (time - _ringStart) >> _widthBits;
        if (offset < BucketCount && _bucket >= 0)
        {
            AppendToBucket((int)offset, key, payload);
        }
        else
        {
            _far.Append(key, payload);
        }
    }

    public bool TryDequeue(out long time, out T payload)
    {
        if (!EnsureNext())
        {
            time = 0;
            payload = default;
            return false;
        }

        ulong key;
        if (_near.Count > 0 && (_head >= _current.Count || _near.Keys[0] < _current.Keys[_head]))
        {
            key = _near.Keys[0];
            payload = _near.HeapPop();
        }
        else
        {
            key = _current.Keys[_head];
            int at = _order[_head];
            payload = _current.Items[at];
            _current.Items[at] = default; // drop references the payload held
            _head++;
        }

        Count--;
        time = (long)(key >> SequenceBits);
        return true;
    }

    /// <summary>
    /// The payload of the event <paramref name="ahead"/> places after the next one in the current window, to prefetch what
    /// it will touch; false past the window's end. Events in the near heap are not seen: only a hint, never a promise.
    /// </summary>
    public bool TryPeekAhead(int ahead, out T payload)
    {
        int at = _head + ahead;
        if ((uint)at >= (uint)_current.Count)
        {
            payload = default;
            return false;
        }

        payload = _current.Items[_order[at]];
        return true;
    }

    /// <summary>Makes sure the next event is at the head of <see cref="_current"/> or <see cref="_near"/>.</summary>
    private bool EnsureNext()
    {
        while (_head >= _current.Count && _near.Count == 0)
        {
            if (Count == 0)
                return false;
            if (_ringCount == 0)
                Rebase();
            else
                NextBucket();
        }

        return true;
    }

    private void AppendToBucket(int bucket, ulong key, in T payload)
    {
        int block = _last[bucket];
        if (block < 0 || _sizes[bucket] % BlockPool.BlockSize == 0)
        {
            int fresh = _pool.Take();
            if (block < 0)
                _first[bucket] = fresh;
            else
                _pool.Next[block] = fresh;
            _last[bucket] = block = fresh;
        }

        int at = _pool.Locate(block, out ulong[] keys, out T[] items) + (_sizes[bucket]++ % BlockPool.BlockSize);
        keys[at] = key;
        items[at] = payload;
        _ringCount++;
    }

    /// <summary>Moves to the next non-empty ring bucket, copies it out of the pool and sorts it: the current window.</summary>
    private void NextBucket()
    {
        _current.Count = 0;
        _head = 0;
        do
        {
            _bucket++;
        }
        while (_sizes[_bucket] == 0);

        int size = _sizes[_bucket];
        _current.EnsureCapacity(size);
        int copied = 0;
        for (int block = _first[_bucket]; block >= 0;)
        {
            int n = Math.Min(BlockPool.BlockSize, size - copied);
            int from = _pool.Locate(block, out ulong[] keys, out T[] items);
            Array.Copy(keys, from, _current.Keys, copied, n);
            Array.Copy(items, from, _current.Items, copied, n);
            Array.Clear(items, from, n);
            copied += n;
            int next = _pool.Next[block];
            _pool.Return(block);
            block = next;
        }

        _current.Count = size;
        _first[_bucket] = _last[_bucket] = -1;
        _sizes[_bucket] = 0;
        _ringCount -= size;
        _windowEnd = _ringStart + ((long)(_bucket + 1) << _widthBits);
        if (_order.Length < size)
            _order = new int[Math.Max(size, _order.Length * 2)];
        for (int i = 0; i < size; i++)
            _order[i] = i;
        Array.Sort(_current.Keys, _order, 0, size);
    }

    /// <summary>
    /// The ring ran dry: lay it over the far future, starting at its earliest event, with buckets just wide enough
    /// to take about <see cref="TargetPerBucket"/> events each, and move every event it covers into its bucket.
    /// </summary>
    private void Rebase()
    {
        int far = _far.Count;
        ulong minKey = ulong.MaxValue;
        for (int i = 0; i < far; i++)
            minKey = Math.Min(minKey, _far.Slots.Key(i));
        long start = (long)(minKey >> SequenceBits);

        // The time by which the ring should hold BucketCount × TargetPerBucket events, estimated from a sample.
        int samples = Math.Min(far, RebaseSample);
        Span<long> sample = samples <= 1024 ? stackalloc long[samples] : new long[samples];
        for (int i = 0; i < samples; i++)
            sample[i] = (long)(_far.Slots.Key((int)((long)i * far / samples)) >> SequenceBits) - start;
        sample.Sort();
        double share = Math.Min(1.0, (double)BucketCount * TargetPerBucket / far);
        long span = Math.Max(1, sample[Math.Clamp((int)(share * (samples - 1)), 0, samples - 1)]);
        _widthBits = Math.Max(0, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(span / BucketCount)));
        _ringStart = start;
        _bucket = -1;
        _windowEnd = start;

        int kept = 0;
        for (int i = 0; i < far; i++)
        {
            ulong key = _far.Slots.Key(i);
            long offset = ((long)(key >> SequenceBits) - start) >> _widthBits;
            if (offset < BucketCount)
            {
                AppendToBucket((int)offset, key, _far.Slots.Item(i));
            }
            else
            {
                _far.Slots.Key(kept) = key;
                _far.Slots.Item(kept++) = _far.Slots.Item(i);
            }
        }

        _far.Truncate(kept);
    }

    /// <summary>A growable run of (key, payload) pairs: the current window or the near heap.</summary>
    private sealed class Run(int capacity)
    {
        public ulong[] Keys = capacity == 0 ? [] : new ulong[capacity];
        public T[] Items = capacity == 0 ? [] : new T[capacity];
        public int Count;

        public long CapacityBytes => (Keys.Length * 8L) + (Items.Length * (long)System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

        public void Append(ulong key, in T item)
        {
            if (Count == Keys.Length)
                Grow();
            Keys[Count] = key;
            Items[Count++] = item;
        }

        public void HeapPush(ulong key, in T item)
        {
            if (Count == Keys.Length)
                Grow();
            int hole = Count++;
            while (hole > 0)
            {
                int parent = (hole - 1) >> 1;
                if (Keys[parent] <= key)
                    break;
                Keys[hole] = Keys[parent];
                Items[hole] = Items[parent];
                hole = parent;
            }

            Keys[hole] = key;
            Items[hole] = item;
        }

        public T HeapPop()
        {
            T top = Items[0];
            int last = --Count;
            ulong key = Keys[last];
            T item = Items[last];
            Items[last] = default;
            int hole = 0;
            while (true)
            {
                int child = (2 * hole) + 1;
                if (child >= last)
                    break;
                if (child + 1 < last && Keys[child + 1] < Keys[child])
                    child++;
                if (Keys[child] >= key)
                    break;
                Keys[hole] = Keys[child];
                Items[hole] = Items[child];
                hole = child;
            }

            if (last > 0)
            {
                Keys[hole] = key;
                Items[hole] = item;
            }

            return top;
        }

        public void EnsureCapacity(int size)
        {
            if (Keys.Length >= size)
                return;
            int grown = Math.Max(size, Keys.Length * 2);
            Array.Resize(ref Keys, grown);
            Array.Resize(ref Items, grown);
        }

        private void Grow() => EnsureCapacity(Math.Max(8, Keys.Length * 2));
    }

    /// <summary>
    /// (key, payload) slots in fixed-size segments added one at a time: growing never copies the slots nor holds an old
    /// and a new large array at once, so a burst costs only the slots it fills.
    /// </summary>
    private sealed class Segments
    {
        public const int SegmentSlots = 1 << 14; // 512 KiB with a 24-byte payload

        private ulong[][] _keys = [];
        private T[][] _items = [];

        public int Capacity => _keys.Length * SegmentSlots;

        public long CapacityBytes => Capacity * (8L + System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

        public ref ulong Key(int slot) => ref _keys[slot / SegmentSlots][slot % SegmentSlots];

        public ref T Item(int slot) => ref _items[slot / SegmentSlots][slot % SegmentSlots];

        /// <summary>The arrays holding <paramref name="slot"/> and its place in them (a segment boundary never splits a block).</summary>
        public int Locate(int slot, out ulong[] keys, out T[] items)
        {
            keys = _keys[slot / SegmentSlots];
            items = _items[slot / SegmentSlots];
            return slot % SegmentSlots;
        }

        public void EnsureCapacity(int slots)
        {
            while (Capacity < slots)
            {
                Array.Resize(ref _keys, _keys.Length + 1);
                Array.Resize(ref _items, _items.Length + 1);
                _keys[^1] = new ulong[SegmentSlots];
                _items[^1] = new T[SegmentSlots];
            }
        }
    }

    /// <summary>The far future: an unsorted list of (key, payload) pairs in segments.</summary>
    private sealed class FarList
    {
        public readonly Segments Slots = new();
        public int Count;

        public void Append(ulong key, in T item)
        {
            Slots.EnsureCapacity(Count + 1);
            Slots.Key(Count) = key;
            Slots.Item(Count++) = item;
        }

        /// <summary>Keeps the first <paramref name="kept"/> pairs and drops the references the others held.</summary>
        public void Truncate(int kept)
        {
            for (int i = kept; i < Count; i++)
                Slots.Item(i) = default;
            Count = kept;
        }
    }

    /// <summary>Fixed-size blocks of (key, payload) slots in <see cref="Segments"/>, chained per bucket, with a free list.</summary>
    private sealed class BlockPool
    {
        public const int BlockSize = 16;

        public int[] Next = new int[64];
        private readonly Segments _slots = new();
        private int[] _free = new int[64];
        private int _freeCount;
        private int _used;

        public long CapacityBytes => _slots.CapacityBytes + (Next.Length * 8L);

        /// <summary>The arrays holding <paramref name="block"/>'s slots and where its first slot is in them.</summary>
        public int Locate(int block, out ulong[] keys, out T[] items) => _slots.Locate(block * BlockSize, out keys, out items);

        public int Take()
        {
            int block;
            if (_freeCount > 0)
            {
                block = _free[--_freeCount];
            }
            else
            {
                if (_used == Next.Length)
                {
                    Array.Resize(ref Next, Next.Length * 2);
                    Array.Resize(ref _free, Next.Length);
                }

                _slots.EnsureCapacity((_used + 1) * BlockSize);
                block = _used++;
            }

            Next[block] = -1;
            return block;
        }

        public void Return(int block) => _free[_freeCount++] = block;
    }
}
