namespace Totoro.Sim.Kernel;

/// <summary>
/// The simulator's pending events: a 4-ary min-heap of small keys (time, sequence, slot) over a slab of
/// payload structs with a free list. Scheduling and dequeuing allocate nothing once the arrays have grown,
/// and events at the same time come out in the order they were scheduled, which makes runs deterministic.
/// </summary>
/// <typeparam name="T">The payload; a struct, copied into the slab.</typeparam>
public sealed class EventQueue<T>
    where T : struct
{
    private Key[] _heap;
    private T[] _slab;
    private int[] _free;
    private int _freeCount;
    private int _slabUsed;
    private int _count;
    private long _sequence;

    public EventQueue(int initialCapacity = 1024)
    {
        initialCapacity = Math.Max(4, initialCapacity);
        _heap = new Key[initialCapacity];
        _slab = new T[initialCapacity];
        _free = new int[initialCapacity];
    }

    public int Count => _count;

    /// <summary>Events scheduled since the queue was made.</summary>
    public long Scheduled => _sequence;

    /// <summary>Time of the earliest pending event; undefined when empty.</summary>
    public long PeekTime => _heap[0].Time;

    /// <summary>Bytes held by the queue's arrays.</summary>
    public long CapacityBytes => (_heap.Length * 24L) + (_slab.Length * (long)System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + (_free.Length * 4L);

    public void Schedule(long time, in T payload)
    {
        int slot = AllocateSlot();
        _slab[slot] = payload;
        if (_count == _heap.Length)
            Array.Resize(ref _heap, _heap.Length * 2);
        SiftUp(_count++, new Key(time, _sequence++, slot));
    }

    public bool TryDequeue(out long time, out T payload)
    {
        if (_count == 0)
        {
            time = 0;
            payload = default;
            return false;
        }

        Key top = _heap[0];
        time = top.Time;
        payload = _slab[top.Slot];
        _slab[top.Slot] = default; // drop references the payload held
        _free[_freeCount++] = top.Slot;
        Key last = _heap[--_count];
        if (_count > 0)
            SiftDown(0, last);
        return true;
    }

    private int AllocateSlot()
    {
        if (_freeCount > 0)
            return _free[--_freeCount];
        if (_slabUsed == _slab.Length)
        {
            Array.Resize(ref _slab, _slab.Length * 2);
            Array.Resize(ref _free, _slab.Length);
        }

        return _slabUsed++;
    }

    private void SiftUp(int hole, Key key)
    {
        Key[] heap = _heap;
        while (hole > 0)
        {
            int parent = (hole - 1) >> 2;
            if (!key.Before(heap[parent]))
                break;
            heap[hole] = heap[parent];
            hole = parent;
        }

        heap[hole] = key;
    }

    private void SiftDown(int hole, Key key)
    {
        Key[] heap = _heap;
        int count = _count;
        while (true)
        {
            int first = (hole << 2) + 1;
            if (first >= count)
                break;
            int best = first;
            int end = Math.Min(first + 4, count);
            for (int c = first + 1; c < end; c++)
            {
                if (heap[c].Before(heap[best]))
                    best = c;
            }

            if (!heap[best].Before(key))
                break;
            heap[hole] = heap[best];
            hole = best;
        }

        heap[hole] = key;
    }

    private readonly record struct Key(long Time, long Sequence, int Slot)
    {
        public bool Before(in Key other) => Time < other.Time || (Time == other.Time && Sequence < other.Sequence);
    }
}
