namespace Totoro.Core.Planning;

/// <summary>
/// A directed link of the planning graph: capacity in bytes per second, base (propagation) latency in
/// microseconds, and the per-attempt success probability θ, which planners do not know and must learn.
/// </summary>
public sealed record PlanLink(int From, int To, double CapacityBytesPerSecond, double BaseLatencyMicros, double SuccessProbability)
{
    /// <summary>Microseconds to push one attempt of <paramref name="loadBytes"/> through this link.</summary>
    public double TransmissionMicros(double loadBytes) => loadBytes / CapacityBytesPerSecond * 1e6;
}
