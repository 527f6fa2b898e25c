using Totoro.Core.Runtime;

namespace Totoro.Core.Overlay;

/// <summary>
/// The last few peers pinged to be admitted to the leaf set, and when (FreePastry's lease-request throttle).
/// Under churn every pong lists candidates, and re-pinging each one on every pong that mentions it, before its
/// own pong is back, multiplies pings without bound. Empty, it is one null reference.
/// </summary>
internal struct PingThrottle
{
    private const int Slots = 32;
    private PeerHandle[]? _peers;
    private long[]? _times;
    private int _next;

    /// <summary>True (and remembered) unless the peer was pinged less than <paramref name="throttle"/> ago.</summary>
    public bool ShouldPing(PeerHandle peer, long now, long throttle)
    {
        if (throttle <= 0)
            return true; // off (plain options): no memory spent
        if (_peers is null)
        {
            _peers = new PeerHandle[Slots];
            _times = new long[Slots];
        }

        for (int i = 0; i < Slots; i++)
        {
            if (_peers[i] == peer && now - _times![i] < throttle)
                return false;
        }

        _peers[_next] = peer;
        _times![_next] = now;
        _next = (_next + 1) % Slots;
        return true;
    }
}
