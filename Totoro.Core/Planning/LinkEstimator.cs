namespace Totoro.Core.Planning;

/// <summary>
/// What the nodes learn about their links from transfers: attempts and successes (θ̂ = s/t), the mean
/// observed per-packet link delay, and the load last seen on each link (bytes per round).
/// </summary>
public sealed class LinkEstimator
{
    private readonly long[] _attempts;
    private readonly long[] _successes;
    private readonly double[] _delaySum;
    private readonly long[] _delayCount;
    private readonly double[] _lastLoad;

    public LinkEstimator(int linkCount)
    {
        _attempts = new long[linkCount];
        _successes = new long[linkCount];
        _delaySum = new double[linkCount];
        _delayCount = new long[linkCount];
        _lastLoad = new double[linkCount];
    }

    public int LinkCount => _attempts.Length;

    public long Attempts(int link) => _attempts[link];

    /// <summary>θ̂ = successes / attempts (1 before any attempt: the optimistic prior).</summary>
    public double SuccessRate(int link) => _attempts[link] == 0 ? 1 : (double)_successes[link] / _attempts[link];

    /// <summary>Records one delivered packet over a link: attempts−1 failures then a success, and its delay.</summary>
    public void ObserveDelivery(int link, int attempts, double delayMicros)
    {
        _attempts[link] += attempts;
        _successes[link]++;
        _delaySum[link] += delayMicros;
        _delayCount[link]++;
    }

    public void ObserveLoad(int link, double bytes) => _lastLoad[link] = bytes;

    public double LastLoad(int link) => _lastLoad[link];

    /// <summary>Mean observed delay (µs) on a link, or null if never used.</summary>
    public double? MeanDelay(int link) => _delayCount[link] == 0 ? null : _delaySum[link] / _delayCount[link];

    /// <summary>KL-UCB optimistic attempts per success ω for every link at slot τ.</summary>
    public double[] OptimisticAttempts(long slot)
    {
        var omega = new double[LinkCount];
        for (int l = 0; l < LinkCount; l++)
            omega[l] = KlUcb.OptimisticAttempts(SuccessRate(l), _attempts[l], slot);
        return omega;
    }

    /// <summary>Point estimates 1/θ̂ (no optimism).</summary>
    public double[] EstimatedAttempts()
    {
        var r = new double[LinkCount];
        for (int l = 0; l < LinkCount; l++)
            r[l] = 1 / Math.Max(SuccessRate(l), 1e-6);
        return r;
    }
}
