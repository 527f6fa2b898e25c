using Totoro.Core.Planning;

namespace Totoro.Core.Tests.Planning;

public class LearningCostsTests
{
    [Theory]
    [InlineData(0.6)]
    [InlineData(0.85)]
    [InlineData(0.99)]
    public void SuccessEstimateConvergesToTheTrueTheta(double theta)
    {
        var rng = new Random(7);
        var estimator = new LinkEstimator(1);
        double previousError = double.PositiveInfinity;
        foreach (int packets in new[] { 100, 1_000, 20_000 })
        {
            while (estimator.Attempts(0) < packets)
            {
                int attempts = 1;
                while (rng.NextDouble() >= theta)
                    attempts++;
                estimator.ObserveDelivery(0, attempts, 0);
            }

            double error = Math.Abs(estimator.SuccessRate(0) - theta);
            Assert.True(error < 0.2 / Math.Sqrt(packets / 100.0) + 0.005, $"{packets}: error {error}");
            previousError = Math.Min(previousError, error);
        }

        Assert.True(previousError < 0.01);
    }

    [Fact]
    public void KlUcbIsOptimisticEarlyAndShrinksWithEvidence()
    {
        const double Theta = 0.7;
        var rng = new Random(3);
        var estimator = new LinkEstimator(1);
        Assert.Equal(1, estimator.OptimisticAttempts(1)[0]);
        var widths = new List<double>();
        for (long slot = 1; slot <= 5_000; slot++)
        {
            int attempts = 1;
            while (rng.NextDouble() >= Theta)
                attempts++;
            estimator.ObserveDelivery(0, attempts, 0);
            double upper = KlUcb.UpperSuccess(estimator.SuccessRate(0), estimator.Attempts(0), slot);
            if (slot is 10 or 100 or 1_000 or 5_000)
            {
                // Optimism: the index promises at least the true success rate, i.e. no more attempts than 1/θ.
                Assert.True(upper >= Theta - 0.01, $"slot {slot}: u {upper}");
                Assert.True(estimator.OptimisticAttempts(slot)[0] <= (1 / Theta) + 0.03);
                widths.Add(upper - estimator.SuccessRate(0));
            }
        }

        Assert.True(widths.Zip(widths.Skip(1)).All(w => w.Second < w.First), string.Join(", ", widths));
        Assert.True(widths[^1] < 0.05);
    }

    [Fact]
    public void KlUcbIndexMeetsItsDefinition()
    {
        double u = KlUcb.UpperSuccess(0.6, 50, 100);
        Assert.InRange(50 * KlUcb.BernoulliKl(0.6, u), Math.Log(100) - 1e-6, Math.Log(100) + 1e-6);
        Assert.Equal(1 / u, KlUcb.OptimisticAttempts(0.6, 50, 100), 9);
        Assert.Equal(0, KlUcb.BernoulliKl(0.3, 0.3), 9);
    }
}
