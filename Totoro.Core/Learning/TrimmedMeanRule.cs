namespace Totoro.Core.Learning;

/// <summary>
/// Coordinate-wise β-trimmed mean (Yin et al. 2018): per coordinate, drop the ⌊β·m⌋ smallest and largest values and
/// average the rest. β in [0, 0.5); if trimming would leave nothing, the median's middle value(s) remain.
/// </summary>
public sealed class TrimmedMeanRule : BundleRule
{
    public TrimmedMeanRule(int dimensions, double beta)
        : base(dimensions)
    {
        if (!(beta is >= 0 and < 0.5))
            throw new ArgumentOutOfRangeException(nameof(beta), "β must be in [0, 0.5).");
        Beta = beta;
    }

    public override string Name => "trimmed-mean";

    public double Beta { get; }

    protected override double OfSortedColumn(float[] sorted)
    {
        int m = sorted.Length;
        int trim = Math.Min((int)Math.Floor(Beta * m), (m - 1) / 2);
        double sum = 0;
        for (int i = trim; i < m - trim; i++)
            sum += sorted[i];
        return sum / (m - (2 * trim));
    }
}
