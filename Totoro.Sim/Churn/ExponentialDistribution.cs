using Totoro.Sim.Kernel;

namespace Totoro.Sim.Churn;

/// <summary>Memoryless sessions: the usual churn model (Rhea et al., "Handling churn in a DHT").</summary>
public sealed class ExponentialDistribution(double mean) : ISessionDistribution
{
    public string Name => "exp";

    public double Mean { get; } = SessionDistributions.CheckMean(mean);

    // Inverse transform; 1 − u lies in (0, 1], so the log is finite.
    public double Sample(ref ulong random) => -Mean * Math.Log(1 - SplitMix64.NextDouble(ref random));

    // Memoryless: the time left in a session under way is a fresh session.
    public double SampleResidual(ref ulong random) => Sample(ref random);

    public double ResidualMean => Mean;
}
