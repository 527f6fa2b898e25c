namespace Totoro.Sim.Churn;

/// <summary>Makes a session distribution from its CLI name and mean.</summary>
public static class SessionDistributions
{
    public static readonly string[] Names = ["exp", "pareto", "weibull"];

    /// <summary>The distribution called <paramref name="name"/> with the given mean (seconds); throws naming the fix.</summary>
    public static ISessionDistribution Create(string name, double meanSeconds) => name switch
    {
        "exp" => new ExponentialDistribution(meanSeconds),
        "pareto" => new ParetoDistribution(meanSeconds),
        "weibull" => new WeibullDistribution(meanSeconds),
        _ => throw new ArgumentException($"a session distribution must be one of {string.Join(", ", Names)} (got '{name}')", nameof(name)),
    };

    internal static double CheckMean(double mean)
    {
        if (!(mean > 0) || double.IsInfinity(mean))
            throw new ArgumentException($"a mean session or downtime must be a positive number of seconds (got {mean})", nameof(mean));
        return mean;
    }
}
