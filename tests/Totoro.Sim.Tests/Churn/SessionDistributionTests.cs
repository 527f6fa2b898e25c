using Totoro.Sim.Churn;
using Totoro.Sim.Kernel;

namespace Totoro.Sim.Tests.Churn;

public class SessionDistributionTests
{
    [Theory]
    [InlineData("exp", 600.0)]
    [InlineData("exp", 3600.0)]
    [InlineData("pareto", 600.0)]
    [InlineData("pareto", 1800.0)]
    [InlineData("weibull", 600.0)]
    [InlineData("weibull", 3600.0)]
    public void The_sample_mean_matches_the_mean_asked_for(string name, double mean)
    {
        ISessionDistribution d = SessionDistributions.Create(name, mean);
        ulong random = SplitMix64.Derive(7, (ulong)mean);
        const int n = 400_000;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double x = d.Sample(ref random);
            Assert.True(x > 0 && double.IsFinite(x));
            sum += x;
        }

        // Standard errors at n = 400k: exp 0.16%, Weibull(0.5) 0.35%, Pareto(2.5) ~0.15% (but a heavy tail): 3% is
        // far outside noise, while a scale off by the shape factor (e.g. Pareto's x_m taken as the mean) is 40% off.
        Assert.InRange(sum / n, mean * 0.97, mean * 1.03);
    }

    [Fact]
    public void The_shapes_differ_as_their_families_do()
    {
        ulong r1 = 1, r2 = 1, r3 = 1;
        var exp = new ExponentialDistribution(100);
        var pareto = new ParetoDistribution(100);
        var weibull = new WeibullDistribution(100);
        double[] e = Enumerable.Range(0, 100_000).Select(_ => exp.Sample(ref r1)).Order().ToArray();
        double[] p = Enumerable.Range(0, 100_000).Select(_ => pareto.Sample(ref r2)).Order().ToArray();
        double[] w = Enumerable.Range(0, 100_000).Select(_ => weibull.Sample(ref r3)).Order().ToArray();

        Assert.True(p[0] >= pareto.Scale, "a Pareto session is never shorter than its scale");
        Assert.Equal(60, pareto.Scale, 9); // x_m = mean (α − 1) / α with α = 2.5
        // Exponential median = mean · ln 2; Weibull(k = 0.5) median = λ (ln 2)², λ = mean / Γ(3) = mean / 2.
        Assert.InRange(e[50_000], 100 * Math.Log(2) * 0.97, 100 * Math.Log(2) * 1.03);
        Assert.InRange(w[50_000], 50 * Math.Log(2) * Math.Log(2) * 0.95, 50 * Math.Log(2) * Math.Log(2) * 1.05);
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(3.0, 2.0)]
    [InlineData(5.0, 24.0)]
    [InlineData(0.5, 1.7724538509055159)]
    [InlineData(2.5, 1.329340388179137)]
    public void Gamma_matches_known_values(double x, double expected) => Assert.Equal(expected, WeibullDistribution.Gamma(x), 10);

    [Theory]
    [InlineData("exp", 0.0)]
    [InlineData("pareto", -5.0)]
    [InlineData("weibull", double.NaN)]
    public void A_mean_that_is_not_positive_is_refused_by_name(string name, double mean)
    {
        var e = Assert.Throws<ArgumentException>(() => SessionDistributions.Create(name, mean));
        Assert.Contains("positive number of seconds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_distribution_is_refused_with_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => SessionDistributions.Create("lognormal", 10));
        Assert.Contains("exp, pareto, weibull", e.Message, StringComparison.Ordinal);
    }
}
