using Totoro.Sim.Churn;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Tests.Churn;

public class ResidualLifetimeTests
{
    // Each family's residual mean E[S²]/(2E[S]) written out from its moments here, not taken from the code under test.
    public static TheoryData<string, ISessionDistribution, double> Families()
    {
        const double mean = 600;
        double paretoScale = mean * 3 / 4; // α = 4: x_m = μ(α − 1)/α
        double weibullScale = mean / 2; // k = 0.5: λ = μ/Γ(3)
        return new TheoryData<string, ISessionDistribution, double>
        {
            { "exp", new ExponentialDistribution(mean), 2 * mean * mean / (2 * mean) },
            { "pareto(4)", new ParetoDistribution(mean, shape: 4), 4 * paretoScale * paretoScale / 2 / (2 * mean) },
            { "weibull(0.5)", new WeibullDistribution(mean, shape: 0.5), weibullScale * weibullScale * 24 / (2 * mean) }, // E[S²] = λ²Γ(5)
        };
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void The_residual_sample_mean_matches_the_closed_form(string name, ISessionDistribution d, double expected)
    {
        Assert.Equal(expected, d.ResidualMean, 6);
        ulong random = SplitMix64.Derive(11, (ulong)name.Length);
        const int n = 400_000;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double x = d.SampleResidual(ref random);
            Assert.True(x >= 0 && double.IsFinite(x), $"{name}: residual {x}");
            sum += x;
        }

        // Standard errors at n = 400k are below 0.5% for all three; a fresh session drawn instead (mean 600 against
        // residual means 600, 450 and 1800) misses Pareto and Weibull by 25% or more. Exp is memoryless: equal.
        Assert.InRange(sum / n, expected * 0.98, expected * 1.02);
    }

    /// <summary>
    /// The oracle: lay sessions end to end (a renewal process of fresh sessions), look at uniformly random instants,
    /// and measure how long the session under way still has. Its quantiles must match the residual sampler's, for
    /// the default shapes too (Pareto α = 2.5, whose residual has no finite variance, so quantiles not means).
    /// </summary>
    [Theory]
    [InlineData("exp")]
    [InlineData("pareto")]
    [InlineData("weibull")]
    public void Residuals_match_looking_at_a_renewal_process_at_random_instants(string name)
    {
        ISessionDistribution d = SessionDistributions.Create(name, 600);
        ulong random = SplitMix64.Derive(5, (ulong)name.Length);
        const int sessions = 1_000_000, looks = 200_000;
        var ends = new double[sessions];
        double t = 0;
        for (int i = 0; i < sessions; i++)
            ends[i] = t += d.Sample(ref random);
        var observed = new double[looks];
        for (int i = 0; i < looks; i++)
        {
            double at = SplitMix64.NextDouble(ref random) * ends[^1];
            int k = Array.BinarySearch(ends, at);
            observed[i] = ends[k < 0 ? ~k : k] - at;
        }

        double[] sampled = Enumerable.Range(0, looks).Select(_ => d.SampleResidual(ref random)).ToArray();
        Array.Sort(observed);
        Array.Sort(sampled);
        foreach (double q in new[] { 0.1, 0.25, 0.5, 0.75, 0.9 })
        {
            int at = (int)(q * looks);
            Assert.InRange(sampled[at], observed[at] * 0.95, observed[at] * 1.05);
        }

        // A fresh session is not the residual (except for exp): its median differs by far more than the tolerance.
        double freshMedian = Enumerable.Range(0, looks).Select(_ => d.Sample(ref random)).Order().ElementAt(looks / 2);
        if (name != "exp")
            Assert.False(Math.Abs(freshMedian - sampled[looks / 2]) < 0.1 * sampled[looks / 2], $"{name}: fresh median {freshMedian} vs residual {sampled[looks / 2]}");
    }
}
