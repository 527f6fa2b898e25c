namespace Totoro.Sim.Scenarios;

/// <summary>What a sim prints with --json. Field order is fixed, so equal runs print equal bytes.</summary>
public sealed record SimReport(OverlaySection Overlay, NetworkSection Network, RunSection Run, RingsSection? Rings = null)
{
    /// <summary>Present when the sim ran apps on the forest.</summary>
    public ForestSection? Forest { get; init; }

    /// <summary>Present when the sim trained apps (on the forest or a baseline).</summary>
    public LearningSection? Learning { get; init; }

    /// <summary>Present when the sim ran churn or a failure burst (--churn, --fail-trees).</summary>
    public ChurnSection? Churn { get; init; }

    /// <summary>
    /// Present when the sim also ran the path-planning game on a generated graph (--planner without --rounds): the
    /// synthetic setting of the paper's figures (one flow, or a few apps' flows on 40 nodes), not the live forest.
    /// </summary>
    [System.Text.Json.Serialization.JsonPropertyName("planningGraph")]
    public PlanningSection? Planning { get; init; }

    /// <summary>Present when a training run planned the forest's own flows (--planner with --rounds).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("planning")]
    public LivePlanningSection? LivePlanning { get; init; }
}

public sealed record OverlaySection(
    int Nodes,
    int B,
    int LeafSet,
    int JoinedNodes,
    int LeafSetsExact,
    double MeanRoutingEntries,
    int Lookups,
    int Delivered,
    int Correct,
    double MeanHops,
    double P99Hops,
    int MaxHops,
    double LogBaseN,
    double MeanLatencyMs,
    double MeanStretch,
    int Zones = 1,
    long InterZoneMessages = 0,
    int ZoneLocalLookups = 0,
    int ZoneLeaks = 0,
    long RefusedMessages = 0);

public sealed record NetworkSection(string Topology, long Messages, long Bytes, long Lost, long ToDeadNodes);

/// <summary>Measurements of the run itself. Everything but wallSeconds, eventsPerSecond and the memory figures is deterministic.</summary>
public sealed record RunSection(
    ulong Seed,
    double SimulatedSeconds,
    long Events,
    double WallSeconds,
    double EventsPerSecond,
    long PeakMemoryBytes,
    double BytesPerNode);
