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

    /// <summary>
    /// The time left in a session already under way when observed at a random instant (the equilibrium, or
    /// forward-recurrence, distribution: density S(x)/E[S], mean E[S²]/(2E[S])). A node that is up when churn starts
    /// is mid-session, so its first departure comes from this, not from a fresh session.
    /// </summary>
    double SampleResidual(ref ulong random);

    /// <summary>E[S²]/(2E[S]), the residual's mean (infinite when the second moment is).</summary>
    double ResidualMean { get; }
}
