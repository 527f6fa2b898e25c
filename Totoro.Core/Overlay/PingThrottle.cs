using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// The last few peers pinged to be admitted to the leaf set, and when (FreePastry's lease-request throttle).
/// Under churn every pong lists candidates, and re-pinging each one on every pong that mentions it, before its
/// own pong is back, multiplies pings without bound. Empty, it is one null reference; once every entry is older than
/// the throttle it is released (<see cref="ReleaseIfStale"/>), since a stale entry never stops a ping again.
/// </summary>
internal struct PingThrottle
{
    private const int Slots = 32;

    // One array of (peer, time since _base) pairs: 8 bytes an entry where a peer array and a time array took 12.
    private Entry[]? _entries;
    private long _base;
    private int _next;

    /// <summary>True (and remembered) unless the peer was pinged less than <paramref name="throttle"/> ago.</summary>
    public bool ShouldPing(PeerHandle peer, long now, long throttle)
    {
        if (throttle <= 0)
            return true; // off (plain options): no memory spent
        if (_entries is null)
        {
            _entries = new Entry[Slots];
            _base = now;
        }
        else if (now - _base > int.MaxValue)
        {
            Rebase(now, throttle);
        }

        for (int i = 0; i < _entries.Length; i++)
        {
            if (_entries[i].Peer == peer && now - (_base + _entries[i].Offset) < throttle)
                return false;
        }

        _entries[_next] = new Entry(peer, (int)(now - _base));
        _next = (_next + 1) % Slots;
        return true;
    }

    /// <summary>Forgets everything once the newest entry is <paramref name="throttle"/> old: no entry can refuse a ping any more.</summary>
    public void ReleaseIfStale(long now, long throttle)
    {
        if (_entries is null)
            return;
        int newest = (_next + Slots - 1) % Slots;
        if (now - (_base + _entries[newest].Offset) >= throttle)
        {
            _entries = null;
            _next = 0;
        }
    }

    /// <summary>
    /// Moves the base to a throttle before now, so that offsets stay in an int: entries already stale are cleared (they
    /// cannot refuse a ping again), the rest measured from the new base.
    /// </summary>
    private void Rebase(long now, long throttle)
    {
        long newBase = now - throttle;
        for (int i = 0; i < _entries!.Length; i++)
        {
            long at = _base + _entries[i].Offset;
            _entries[i] = _entries[i].Peer.IsNone || now - at >= throttle ? default : new Entry(_entries[i].Peer, (int)(at - newBase));
        }

        _base = newBase;
    }

    private readonly record struct Entry(PeerHandle Peer, int Offset);
}
