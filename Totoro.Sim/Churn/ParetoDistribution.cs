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
}
