using System.Net;

namespace Totoro.Net.Transport;

/// <summary>
/// A token bucket per sending endpoint: a peer may send <c>rate</c> datagrams a second with bursts of
/// <c>burst</c>; beyond that its datagrams are dropped before they are decoded, so one flooding peer cannot
/// starve the event loop. Buckets of quiet peers are forgotten.
/// </summary>
public sealed class RateLimiter(double ratePerSecond, double burst)
{
    private readonly Dictionary<IPEndPoint, (double Tokens, long Stamp)> _buckets = [];
    private long _lastSweep;

    /// <summary>Takes one token for <paramref name="peer"/> at <paramref name="nowMicros"/>; false when the bucket is empty.</summary>
    public bool TryAcquire(IPEndPoint peer, long nowMicros)
    {
        if (nowMicros - _lastSweep > 60_000_000)
            Sweep(nowMicros);
        (double tokens, long stamp) = _buckets.TryGetValue(peer, out var bucket) ? bucket : (burst, nowMicros);
        tokens = Math.Min(burst, tokens + ((nowMicros - stamp) * ratePerSecond / 1e6));
        bool allowed = tokens >= 1;
        _buckets[peer] = (allowed ? tokens - 1 : tokens, nowMicros);
        return allowed;
    }

    public int TrackedPeers => _buckets.Count;

    private void Sweep(long nowMicros)
    {
        _lastSweep = nowMicros;
        foreach (var (peer, bucket) in _buckets.ToArray())
        {
            if (nowMicros - bucket.Stamp > 60_000_000)
                _buckets.Remove(peer);
        }
    }
}
