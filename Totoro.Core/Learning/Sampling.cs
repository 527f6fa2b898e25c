namespace Totoro.Core.Learning;

/// <summary>Normal, gamma and Dirichlet draws from a caller's seeded <see cref="Random"/> (no static randomness).</summary>
public static class Sampling
{
    /// <summary>A standard-normal draw (Box–Muller; one of the pair is discarded to keep the state simple).</summary>
    public static double Normal(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u1 = 1.0 - random.NextDouble(); // (0, 1]: log is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public static double Normal(Random random, double mean, double standardDeviation) => mean + (standardDeviation * Normal(random));

    /// <summary>Gamma(shape, 1) by Marsaglia–Tsang; shapes below 1 use the boost Gamma(shape+1)·U^(1/shape).</summary>
    public static double Gamma(Random random, double shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(shape > 0) || double.IsInfinity(shape))
            throw new ArgumentOutOfRangeException(nameof(shape), "The gamma shape must be positive and finite.");
        if (shape < 1)
            return Gamma(random, shape + 1) * Math.Pow(1.0 - random.NextDouble(), 1.0 / shape);
        double d = shape - (1.0 / 3);
        double c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x = Normal(random);
            double v = 1 + (c * x);
            if (v <= 0)
                continue;
            v = v * v * v;
            double u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
                return d * v;
        }
    }

    /// <summary>A draw from the symmetric Dirichlet(α, …, α) over <paramref name="count"/> categories.</summary>
    public static double[] Dirichlet(Random random, double alpha, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var p = new double[count];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            p[i] = Gamma(random, alpha);
            sum += p[i];
        }

        if (sum <= 0)
        {
            // Tiny α can underflow every draw; all mass then goes to one category, the limit of Dirichlet(α → 0).
            Array.Clear(p);
            p[random.Next(count)] = 1;
            return p;
        }

        for (int i = 0; i < count; i++)
            p[i] /= sum;
        return p;
    }
}
