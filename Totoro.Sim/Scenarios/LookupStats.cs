namespace Totoro.Sim.Scenarios;

/// <summary>Hops, latency and stretch of delivered lookups, and how many reached the right node.</summary>
public sealed class LookupStats(int expected)
{
    private readonly List<int> _hops = new(expected);
    private double _latencySum;
    private double _stretchSum;
    private int _stretchCount;

    public int Delivered => _hops.Count;

    public int Correct { get; private set; }

    public int MaxHops { get; private set; }

    public double MeanHops => _hops.Count == 0 ? 0 : _hops.Average();

    public double MeanLatencyMicros => _hops.Count == 0 ? 0 : _latencySum / _hops.Count;

    /// <summary>Mean of route latency over direct latency, for lookups that left their origin.</summary>
    public double MeanStretch => _stretchCount == 0 ? 0 : _stretchSum / _stretchCount;

    public void Record(int hops, long latencyMicros, long directMicros, bool correct)
    {
        _hops.Add(hops);
        MaxHops = Math.Max(MaxHops, hops);
        _latencySum += latencyMicros;
        if (correct)
            Correct++;
        if (hops > 0 && directMicros > 0)
        {
            _stretchSum += (double)latencyMicros / directMicros;
            _stretchCount++;
        }
    }

    /// <summary>The nearest-rank percentile of hop counts (q in (0, 1]).</summary>
    public double HopsPercentile(double q)
    {
        if (_hops.Count == 0)
            return 0;
        int[] sorted = [.. _hops];
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
