using BenchmarkDotNet.Attributes;
using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Benchmarks;

/// <summary>
/// An aggregator folding 1,000 contributions of a 64 K-parameter model (256 KB) into one weighted sum, each with a
/// worker's 16-byte report attached: what a tree node (or a star's server) does for a round. One operation is the
/// whole fold of 1,000.
/// </summary>
[MemoryDiagnoser]
public class MergeBenchmarks
{
    private const int Contributions = 1000;
    private Payload[] _contributions = null!;

    [Params(1 << 16)]
    public int Floats { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(5);
        _contributions = new Payload[Contributions];
        for (int c = 0; c < Contributions; c++)
        {
            var vector = new float[Floats];
            for (int i = 0; i < vector.Length; i++)
                vector[i] = (float)(random.NextDouble() - 0.5);
            var report = new byte[16];
            random.NextBytes(report);
            _contributions[c] = Payload.FromVector(vector, 1 + random.Next(100)).WithAttachment(report);
        }
    }

    [Benchmark]
    public double MergeOneThousand()
    {
        Payload sum = _contributions[0];
        for (int c = 1; c < Contributions; c++)
            sum = ContributionMerge.Merge(WeightedSumRule.Instance, sum, _contributions[c]);
        return sum.Weight + sum.Vector![0];
    }
}
