using MathNet.Numerics;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Churn;

/// <summary>
/// Weibull sessions (Stutzbach and Rejaie fit shape k ≈ 0.3–0.6 to P2P traces): scale λ chosen so that the mean
/// λ·Γ(1 + 1/k) is the given one.
/// </summary>
public sealed class WeibullDistribution : ISessionDistribution
{
    public WeibullDistribution(double mean, double shape = 0.5)
    {
        Mean = SessionDistributions.CheckMean(mean);
        if (!(shape > 0) || double.IsInfinity(shape))
            throw new ArgumentException($"a Weibull shape must be positive (got {shape})", nameof(shape));
        Shape = shape;
        Scale = mean / Gamma(1 + (1 / shape));
    }

    public string Name => "weibull";

    public double Mean { get; }

    public double Shape { get; }

    public double Scale { get; }

    public double Sample(ref ulong random) => Scale * Math.Pow(-Math.Log(1 - SplitMix64.NextDouble(ref random)), 1 / Shape);

    /// <summary>
    /// The equilibrium CDF is P(1/k, (x/λ)^k), the regularized lower incomplete gamma, so the residual is λ·G^(1/k)
    /// with G ~ Gamma(1/k, 1): drawn by inverting P numerically (MathNet), one uniform per draw like every sampler here.
    /// </summary>
    public double SampleResidual(ref ulong random)
    {
        double u = SplitMix64.NextDouble(ref random);
        double g = u <= 0 ? 0 : SpecialFunctions.GammaLowerRegularizedInv(1 / Shape, u);
        return Scale * Math.Pow(g, 1 / Shape);
    }

    /// <summary>E[S²]/(2E[S]) = λ Γ(1 + 2/k) / (2 Γ(1 + 1/k)).</summary>
    public double ResidualMean => Scale * Gamma(1 + (2 / Shape)) / (2 * Gamma(1 + (1 / Shape)));

    /// <summary>Γ(x) for x &gt; 0 by the Lanczos approximation (g = 7, nine terms; ~15 significant digits).</summary>
    public static double Gamma(double x)
    {
        if (x < 0.5)
            return Math.PI / (Math.Sin(Math.PI * x) * Gamma(1 - x));
        x -= 1;
        double a = Lanczos[0];
        double t = x + 7.5;
        for (int i = 1; i < Lanczos.Length; i++)
            a += Lanczos[i] / (x + i);
        return Math.Sqrt(2 * Math.PI) * Math.Pow(t, x + 0.5) * Math.Exp(-t) * a;
    }

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];
}
