namespace Totoro.Net.Hosting;

/// <summary>
/// The host's timers: a priority queue on (due time, sequence), so timers due at the same microsecond fire in the
/// order they were set, as in the simulator. A timer is either a logical node's (node, timer, argument) or a
/// host task (an action).
/// </summary>
public sealed class TimerQueue
{
    private readonly PriorityQueue<Entry, (long Due, long Sequence)> _queue = new();
    private long _sequence;

    public int Count => _queue.Count;

    public void Add(long due, int node, int timer, long argument) => _queue.Enqueue(new Entry(node, timer, argument, null), (due, _sequence++));

    public void Add(long due, Action task) => _queue.Enqueue(new Entry(-1, 0, 0, task), (due, _sequence++));

    /// <summary>Due time of the earliest timer, or long.MaxValue.</summary>
    public long NextDue => _queue.TryPeek(out _, out var key) ? key.Due : long.MaxValue;

    public bool TryTakeDue(long now, out Entry entry)
    {
        if (_queue.TryPeek(out entry, out var key) && key.Due <= now)
        {
            _queue.Dequeue();
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>A node timer (Task null) or a host task.</summary>
    public readonly record struct Entry(int Node, int Timer, long Argument, Action? Task);
}
