namespace Totoro.Core.Planning;

/// <summary>The Bernoulli KL-UCB index of the EuroSys planner (Algorithm 1), computed by bisection.</summary>
public static class KlUcb
{
    private const int Iterations = 40;
    private const double Clamp = 1e-12;

    /// <summary>KL(p, q) between Bernoulli(p) and Bernoulli(q).</summary>
    public static double BernoulliKl(double p, double q)
    {
        p = Math.Clamp(p, Clamp, 1 - Clamp);
        q = Math.Clamp(q, Clamp, 1 - Clamp);
        return (p * Math.Log(p / q)) + ((1 - p) * Math.Log((1 - p) / (1 - q)));
    }

    /// <summary>
    /// The largest u in [θ̂, 1] with t·KL(θ̂, u) ≤ log τ: an optimistic success probability. With no attempts it is 1.
    /// </summary>
    public static double UpperSuccess(double mean, long attempts, long slot)
    {
        if (attempts <= 0)
            return 1;
        double budget = Math.Log(Math.Max(slot, 1)) / attempts;
        if (BernoulliKl(mean, 1) <= budget)
            return 1;
        double lo = mean;
        double hi = 1;
        for (int i = 0; i < Iterations; i++)
        {
            double mid = (lo + hi) / 2;
            if (BernoulliKl(mean, mid) <= budget)
                lo = mid;
            else
                hi = mid;
        }

        return lo;
    }

    /// <summary>ω = min{1/u : u ∈ [θ̂,1], t·KL(θ̂,u) ≤ log τ}: the optimistic expected attempts per success.</summary>
    public static double OptimisticAttempts(double mean, long attempts, long slot) =>
        1 / Math.Max(UpperSuccess(mean, attempts, slot), Clamp);
}
