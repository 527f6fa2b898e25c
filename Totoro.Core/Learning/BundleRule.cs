using Totoro.Core.Forest;
using Totoro.Core.Runtime;

namespace Totoro.Core.Learning;

/// <summary>
/// Robust statistics (median, trimmed mean) have no exact partial aggregate: a node cannot summarise its subtree
/// in less than the subtree's vectors. So interior merges concatenate: a payload is a bundle of m vectors of
/// <see cref="Dimensions"/> floats laid end to end, and the root sees every contribution and computes the statistic
/// there. That is the honest cost: bytes grow with the subtree, so links near the root carry m × model size
/// (bounded by <see cref="Payload.MaxBytes"/>), and size-only payloads add their sizes.
/// The bundle is kept in lexicographic order, which makes Merge truly commutative and associative (the same set of
/// vectors gives the same bytes whatever the tree's shape or arrival order).
/// Weight is the sum of the contributors' weights (their sample counts); the statistics themselves count every
/// vector once, as the robust-aggregation literature does.
/// </summary>
public abstract class BundleRule : IAggregationRule
{
    protected BundleRule(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
    }

    public abstract string Name { get; }

    public int Dimensions { get; }

    public Payload Merge(Payload a, Payload b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Vector is not { } x || b.Vector is not { } y)
            return Payload.SizeOnly((int)Math.Min((long)a.Bytes + b.Bytes, Payload.MaxBytes), a.Weight + b.Weight);
        CheckBundle(x, nameof(a));
        CheckBundle(y, nameof(b));
        var rows = new List<float[]>((x.Length + y.Length) / Dimensions);
        AddRows(x, rows);
        AddRows(y, rows);
        rows.Sort(CompareRows);
        var merged = new float[x.Length + y.Length];
        for (int r = 0; r < rows.Count; r++)
            rows[r].CopyTo(merged, r * Dimensions);
        return Payload.FromVector(merged, a.Weight + b.Weight);
    }

    /// <summary>Number of vectors in a bundle.</summary>
    public int Count(Payload bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        float[] v = bundle.Vector ?? throw new ArgumentException("A size-only payload has no vectors.", nameof(bundle));
        CheckBundle(v, nameof(bundle));
        return v.Length / Dimensions;
    }

    /// <summary>The robust statistic of the bundle the root received: one vector of <see cref="Dimensions"/>.</summary>
    public float[] Reduce(Payload bundle)
    {
        int m = Count(bundle);
        if (m == 0)
            throw new ArgumentException("An empty bundle has no statistic.", nameof(bundle));
        float[] v = bundle.Vector!;
        var result = new float[Dimensions];
        var column = new float[m];
        for (int j = 0; j < Dimensions; j++)
        {
            for (int r = 0; r < m; r++)
                column[r] = v[(r * Dimensions) + j];
            Array.Sort(column);
            result[j] = (float)OfSortedColumn(column);
        }

        return result;
    }

    /// <summary>The statistic of one coordinate's values, given sorted ascending.</summary>
    protected abstract double OfSortedColumn(float[] sorted);

    private void CheckBundle(float[] v, string name)
    {
        if (v.Length % Dimensions != 0)
            throw new ArgumentException($"A bundle of {Dimensions}-float vectors cannot hold {v.Length} floats.", name);
    }

    private void AddRows(float[] v, List<float[]> rows)
    {
        for (int start = 0; start < v.Length; start += Dimensions)
            rows.Add(v[start..(start + Dimensions)]);
    }

    private static int CompareRows(float[] p, float[] q)
    {
        for (int i = 0; i < p.Length; i++)
        {
            int c = p[i].CompareTo(q[i]);
            if (c != 0)
                return c;
        }

        return 0;
    }
}
