namespace Totoro.Core.Learning;

/// <summary>Coordinate-wise median (Yin et al. 2018) over the bundle; an even count averages the two middle values.</summary>
public sealed class CoordinateMedianRule(int dimensions) : BundleRule(dimensions)
{
    public override string Name => "median";

    protected override double OfSortedColumn(float[] sorted)
    {
        int m = sorted.Length;
        return m % 2 == 1 ? sorted[m / 2] : ((double)sorted[(m / 2) - 1] + sorted[m / 2]) / 2;
    }
}
