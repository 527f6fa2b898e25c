using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// Peers under suspicion (probed, waiting for an answer) and peers recently declared dead (ignored when other
/// nodes still mention them, so a dead node is not learned again before everyone has dropped it).
/// Empty, it costs one null reference: almost every node is empty almost all the time.
/// </summary>
internal struct SuspectList
{
    private Entry[]? _entries;
    private int _count;

    public readonly int Count => _count;

    public readonly bool Contains(PeerHandle peer) => IndexOf(peer) >= 0;

    public readonly bool IsSuspect(PeerHandle peer)
    {
        int i = IndexOf(peer);
        return i >= 0 && !_entries![i].Dead;
    }

    /// <summary>Under suspicion (not dead) since <paramref name="atOrBefore"/> or earlier: a probe that old has run its course.</summary>
    public readonly bool IsSuspectSince(PeerHandle peer, long atOrBefore)
    {
        int i = IndexOf(peer);
        return i >= 0 && !_entries![i].Dead && _entries[i].Until <= atOrBefore;
    }

    /// <summary>Whether the probe of a suspect was started by another node's failure notice rather than first-hand.</summary>
    public readonly bool WasReported(PeerHandle peer)
    {
        int i = IndexOf(peer);
        return i >= 0 && _entries![i].Reported;
    }

    public readonly bool IsDead(PeerHandle peer, long now)
    {
        if (_count == 0)
            return false;
        int i = IndexOf(peer);
        return i >= 0 && _entries![i].Dead && _entries[i].Until > now;
    }

    /// <summary>
    /// Adds or updates an entry. For a dead peer <paramref name="until"/> is when the memory of its death expires; for a
    /// suspect, when the suspicion began.
    /// </summary>
    public void Add(PeerHandle peer, bool dead, long until, bool reported = false)
    {
        int i = IndexOf(peer);
        if (i < 0)
        {
            _entries ??= new Entry[2];
            if (_count == _entries.Length)
                Array.Resize(ref _entries, _count * 2);
            i = _count++;
        }

        _entries![i] = new Entry(peer, dead, until, reported);
    }

    /// <summary>The peer spoke: it is alive, whatever we thought.</summary>
    public void Clear(PeerHandle peer)
    {
        int i = IndexOf(peer);
        if (i >= 0)
            RemoveAt(i);
    }

    public void Prune(long now)
    {
        for (int i = _count - 1; i >= 0; i--)
        {
            if (_entries![i].Dead && _entries[i].Until <= now)
                RemoveAt(i);
        }

        if (_count == 0)
            _entries = null;
    }

    private readonly int IndexOf(PeerHandle peer)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_entries![i].Peer == peer)
                return i;
        }

        return -1;
    }

    private void RemoveAt(int i)
    {
        _entries![i] = _entries[--_count];
        _entries[_count] = default;
    }

    private readonly record struct Entry(PeerHandle Peer, bool Dead, long Until, bool Reported);
}
