namespace Totoro.Sim.Churn;

/// <summary>A distribution of session (or downtime) lengths, in seconds, parameterised by its mean.</summary>
public interface ISessionDistribution
{
    /// <summary>exp, pareto or weibull.</summary>
    string Name { get; }

    /// <summary>The mean length in seconds (the parameter the user gives).</summary>
    double Mean { get; }

    /// <summary>One length in seconds, drawn from the caller's seeded stream.</summary>
    double Sample(ref ulong random);
}
