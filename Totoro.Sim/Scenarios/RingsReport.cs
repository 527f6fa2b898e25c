namespace Totoro.Sim.Scenarios;

/// <summary>
/// The multi-ring part of a report: how well binning matched geography, each zone's size and spread, and the
/// lookups split by scope. RTT figures inside big zones come from sampled pairs (see <see cref="ZoneGeometry"/>).
/// </summary>
public sealed record RingsSection(
    int Zones,
    int PrefixBits,
    int[] Landmarks,
    double? RegionMatchFraction,
    double MeanIntraZoneRttMs,
    double CrossZoneHopBound,
    LookupGroup ZoneLocal,
    LookupGroup CrossZone,
    LookupGroup Global,
    IReadOnlyList<ZoneRow> ZoneTable);

/// <summary>One zone: its size, the region most of its nodes are in, its diameter and mean RTT between members.</summary>
public sealed record ZoneRow(int Zone, int Nodes, string? Region, double RegionShare, double DiameterMs, double MeanIntraRttMs);

/// <summary>Lookups of one kind: counts, hops, latency and stretch.</summary>
public sealed record LookupGroup(int Lookups, int Correct, double MeanHops, int MaxHops, double MeanLatencyMs, double MeanStretch)
{
    public static LookupGroup From(LookupStats s) =>
        new(s.Delivered, s.Correct, Math.Round(s.MeanHops, 4), s.MaxHops, Math.Round(s.MeanLatencyMicros / 1000, 4), Math.Round(s.MeanStretch, 4));
}
