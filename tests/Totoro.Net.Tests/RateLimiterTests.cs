using System.Net;
using Totoro.Net.Transport;

namespace Totoro.Net.Tests;

public class RateLimiterTests
{
    [Fact]
    public void A_flooding_peer_gets_its_burst_then_its_rate_and_others_are_untouched()
    {
        var limiter = new RateLimiter(ratePerSecond: 100, burst: 10);
        var flooder = new IPEndPoint(IPAddress.Loopback, 1000);
        var quiet = new IPEndPoint(IPAddress.Loopback, 2000);
        int allowed = 0;
        // 1,000 datagrams over one second (one per millisecond): burst 10 + 100 refilled = 110 pass.
        for (int i = 0; i < 1000; i++)
        {
            if (limiter.TryAcquire(flooder, i * 1000L))
                allowed++;
        }

        Assert.InRange(allowed, 109, 110);
        Assert.True(limiter.TryAcquire(quiet, 999_000));
    }
}
