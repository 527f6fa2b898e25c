using Totoro.Core.Overlay;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Overlay;

public class PingThrottleTests
{
    private const long Throttle = 2_000_000;

    /// <summary>
    /// The oracle: every ping ever allowed, in order; a ping is refused when one of the last 32 allowed was to the same
    /// peer less than a throttle ago (what the ring of 32 slots remembers).
    /// </summary>
    private static bool OracleShouldPing(List<(PeerHandle Peer, long At)> allowed, PeerHandle peer, long now)
    {
        for (int i = Math.Max(0, allowed.Count - 32); i < allowed.Count; i++)
        {
            if (allowed[i].Peer == peer && now - allowed[i].At < Throttle)
                return false;
        }

        allowed.Add((peer, now));
        return true;
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void AgreesWithEveryPingRememberedAcrossReleasesAndLongRuns(ulong seed)
    {
        // Hours of simulated time (offsets from the base pass int range many times over), bursts of pings, quiet spells
        // long enough to release the memory, and releases asked for at any moment.
        var throttle = default(PingThrottle);
        var allowed = new List<(PeerHandle, long)>();
        ulong state = seed;
        long now = 0;
        int refused = 0;
        for (int step = 0; step < 200_000; step++)
        {
            ulong r = Next(ref state);
            now += (r % 100) switch
            {
                < 90 => (long)(r >> 40) % 300_000,          // within a burst: often inside the throttle
                < 99 => (long)(r >> 40) % 30_000_000,       // a pause of up to 30 s
                _ => (long)(r >> 40) % 4_000_000_000L,      // a quiet spell of up to about an hour
            };
            var peer = new PeerHandle((int)((r >> 8) % 40));
            if ((r & 0x7) == 0)
                throttle.ReleaseIfStale(now, Throttle);
            bool expected = OracleShouldPing(allowed, peer, now);
            Assert.Equal(expected, throttle.ShouldPing(peer, now, Throttle));
            if (!expected)
                refused++;
        }

        Assert.InRange(refused, 1_000, 190_000); // both answers were exercised
    }

    [Fact]
    public void ReleasesOnlyOnceTheNewestEntryIsAThrottleOld()
    {
        var throttle = default(PingThrottle);
        var peer = new PeerHandle(7);
        Assert.True(throttle.ShouldPing(peer, 1_000, Throttle));
        throttle.ReleaseIfStale(1_000 + Throttle - 1, Throttle); // still fresh: kept
        Assert.False(throttle.ShouldPing(peer, 1_000 + Throttle - 1, Throttle));
        throttle.ReleaseIfStale(1_000 + Throttle, Throttle);
        Assert.True(throttle.ShouldPing(peer, 1_000 + Throttle, Throttle));
    }

    [Fact]
    public void OffMeansEveryPingGoes()
    {
        var throttle = default(PingThrottle);
        Assert.True(throttle.ShouldPing(new PeerHandle(1), 5, 0));
        Assert.True(throttle.ShouldPing(new PeerHandle(1), 5, 0));
    }

    private static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
