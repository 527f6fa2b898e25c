using Totoro.Sim.Kernel;

namespace Totoro.Sim.Churn;

/// <summary>
/// Heavy-tailed sessions (measured P2P uptimes are roughly Pareto): shape α &gt; 1 and scale x_m chosen so that
/// the mean α·x_m/(α − 1) is the given one.
/// </summary>
public sealed class ParetoDistribution : ISessionDistribution
{
    public ParetoDistribution(double mean, double shape = 2.5)
    {
        Mean = SessionDistributions.CheckMean(mean);
        if (!(shape > 1) || double.IsInfinity(shape))
            throw new ArgumentException($"a Pareto shape must be above 1 for the mean to exist (got {shape})", nameof(shape));
        Shape = shape;
        Scale = mean * (shape - 1) / shape;
    }

    public string Name => "pareto";

    public double Mean { get; }

    public double Shape { get; }

    /// <summary>x_m, the shortest session.</summary>
    public double Scale { get; }

    public double Sample(ref ulong random) => Scale / Math.Pow(1 - SplitMix64.NextDouble(ref random), 1 / Shape);

    /// <summary>
    /// Inverse of the equilibrium CDF: F_e(x) = x/μ below x_m (the survival is 1 there), and
    /// 1 − (x_m/x)^(α−1)/α from x_m on; the two meet at (α−1)/α.
    /// </summary>
    public double SampleResidual(ref ulong random)
    {
        double u = SplitMix64.NextDouble(ref random);
        double knee = (Shape - 1) / Shape;
        return u < knee ? u * Mean : Scale * Math.Pow(Shape * (1 - u), -1 / (Shape - 1));
    }

    /// <summary>E[S²] = α x_m²/(α − 2) for α &gt; 2; heavier tails have no finite residual mean.</summary>
    public double ResidualMean => Shape > 2 ? Shape * Scale * Scale / (Shape - 2) / (2 * Mean) : double.PositiveInfinity;
}
