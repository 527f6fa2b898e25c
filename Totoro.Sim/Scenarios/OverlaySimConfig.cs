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

    /// <summary>The options each node runs with: a certified overlay (`--secure`) heeds failure notices from leaf-set members only, as real certified hosts do.</summary>
    public PastryOptions NodePastry() => Network.IsSecure ? Pastry with { FailureNoticesFromLeafSetOnly = true } : Pastry;

    /// <summary>
    /// Joins per second per node already in the overlay. The overlay grows exponentially, as a real deployment
    /// that admits nodes through its members would; the number of joins in flight near any one id stays bounded.
    /// </summary>
    public double JoinRatePerNode { get; init; } = 0.02;

    /// <summary>Leaf-set ping periods to run after the last join before lookups start.</summary>
    public int SettlePeriods { get; init; } = 3;

    /// <summary>Where nodes sit: flat (the foundation's square), eua (Australian edge sites) or regions (cloud continents).</summary>
    public TopologyKind Topology { get; init; } = TopologyKind.Flat;

    /// <summary>M, the number of edge zones (rings) nodes bin themselves into; 1 is the flat ring.</summary>
    public int Zones { get; init; } = 1;

    /// <summary>
    /// Fraction of lookups whose key is drawn inside the origin's zone and routed zone-local. Null means the
    /// default: 0.5 with zones, 0 without (with one zone every route is zone-local anyway).
    /// </summary>
    public double? ZoneLocalFraction { get; init; }

    /// <summary>Zones whose nodes refuse to forward messages keyed outside the zone.</summary>
    public IReadOnlyList<int> IsolatedZones { get; init; } = [];

    public double EffectiveZoneLocalFraction => Zones <= 1 ? 0 : ZoneLocalFraction ?? 0.5;

    /// <summary>
    /// Sends every message through the wire codec and delivers the decoded copy (`--codec-check`): a message the codec
    /// cannot carry fails the run, and anything it loses shows up as a different result.
    /// </summary>
    public bool CodecCheck { get; init; } = CodecCheckDefault;

    /// <summary>What <see cref="CodecCheck"/> starts as. Test assemblies turn it on once so that every world they build checks the codec.</summary>
    public static bool CodecCheckDefault { get; set; }

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
        if (Zones is < 1 or > 256)
            problems.Add($"--zones must be from 1 to 256 (got {Zones})");
        else if (Zones > Nodes)
            problems.Add($"--zones must be at most --nodes ({Nodes}) (got {Zones})");
        if (ZoneLocalFraction is { } f && (double.IsNaN(f) || f < 0 || f > 1))
            problems.Add($"--zone-local-fraction must be in [0, 1] (got {f})");
        if (IsolatedZones.Any(z => z < 0 || z >= Zones))
            problems.Add($"isolated zones must be from 0 to {Zones - 1}");
        if (JoinRatePerNode <= 0)
            problems.Add("the join rate must be positive");
        if (SettlePeriods < 0)
            problems.Add("settle periods must be zero or more");
        problems.AddRange(Pastry.Validate());
        problems.AddRange(Network.Validate());
        return problems;
    }
}
