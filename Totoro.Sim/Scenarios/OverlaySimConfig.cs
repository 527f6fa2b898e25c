using Totoro.Core.Overlay;
using Totoro.Sim.Network;

namespace Totoro.Sim.Scenarios;

/// <summary>What `totoro sim` builds and measures: an overlay of N nodes joined by messages, then K lookups.</summary>
public sealed record OverlaySimConfig
{
    public int Nodes { get; init; } = 1000;

    public int Lookups { get; init; } = 1000;

    public ulong Seed { get; init; } = 1;

    public PastryOptions Pastry { get; init; } = new();

    public NetworkOptions Network { get; init; } = new();

    /// <summary>
    /// Joins per second per node already in the overlay. The overlay grows exponentially, as a real deployment
    /// that admits nodes through its members would; the number of joins in flight near any one id stays bounded.
    /// </summary>
    public double JoinRatePerNode { get; init; } = 0.02;

    /// <summary>Leaf-set ping periods to run after the last join before lookups start.</summary>
    public int SettlePeriods { get; init; } = 3;

    /// <summary>Gap between successive lookups (µs).</summary>
    public long LookupIntervalMicros { get; init; } = 1000;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Nodes < 1)
            problems.Add($"--nodes must be at least 1 (got {Nodes})");
        if (Nodes > 50_000_000)
            problems.Add($"--nodes must be at most 50000000 (got {Nodes})");
        if (Lookups < 0)
            problems.Add($"--lookups must be zero or more (got {Lookups})");
        if (JoinRatePerNode <= 0)
            problems.Add("the join rate must be positive");
        if (SettlePeriods < 0)
            problems.Add("settle periods must be zero or more");
        problems.AddRange(Pastry.Validate());
        problems.AddRange(Network.Validate());
        return problems;
    }
}
