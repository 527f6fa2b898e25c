using Totoro.Core.Runtime;

namespace Totoro.Core.Forest;

/// <summary>
/// How two contributions become one on the way up. It must be associative and commutative, because every tree
/// node merges whatever arrives, in any order; then the root's result does not depend on the tree's shape.
/// </summary>
public interface IAggregationRule
{
    string Name { get; }

    Payload Merge(Payload a, Payload b);
}

/// <summary>
/// Weighted sums: a contribution is (Σ wᵢ·xᵢ, Σ wᵢ). Workers send w·x with weight w (their sample count); the root
/// divides by the weight. Exact partial aggregation for FedAvg-style averaging. Size-only payloads (timing runs)
/// merge into one payload of the same size.
/// </summary>
public sealed class WeightedSumRule : IAggregationRule
{
    public static readonly WeightedSumRule Instance = new();

    public string Name => "weighted-sum";

    public Payload Merge(Payload a, Payload b)
    {
        if (a.Vector is { } x && b.Vector is { } y)
        {
            if (x.Length != y.Length)
                throw new ArgumentException($"Cannot merge vectors of {x.Length} and {y.Length} elements.", nameof(b));
            float[] sum = GC.AllocateUninitializedArray<float>(x.Length); // every element is written below
            Add(x, y, sum);
            return Payload.FromVector(sum, a.Weight + b.Weight);
        }

        return Payload.SizeOnly(Math.Max(a.Bytes, b.Bytes), a.Weight + b.Weight);
    }

    /// <summary>sum = x + y, element by element, a SIMD register at a time (each element's sum is the same as one by one).</summary>
    private static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> sum)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int width = System.Numerics.Vector<float>.Count;
            for (; i <= x.Length - width; i += width)
                (new System.Numerics.Vector<float>(x[i..]) + new System.Numerics.Vector<float>(y[i..])).CopyTo(sum[i..]);
        }

        for (; i < x.Length; i++)
            sum[i] = x[i] + y[i];
    }

    /// <summary>The average a weighted sum stands for: Σ wᵢ·xᵢ / Σ wᵢ.</summary>
    public static float[] Average(Payload sum)
    {
        float[] vector = sum.Vector ?? throw new ArgumentException("A size-only payload has no average.", nameof(sum));
        var average = new float[vector.Length];
        for (int i = 0; i < vector.Length; i++)
            average[i] = (float)(vector[i] / sum.Weight);
        return average;
    }
}
