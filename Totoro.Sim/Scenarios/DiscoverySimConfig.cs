namespace Totoro.Sim.Scenarios;

/// <summary>How nodes learn of running apps: Totoro+'s advertise–discover tree, or the EuroSys setting's outside directory.</summary>
public enum DiscoverySystem
{
    /// <summary>Every node subscribes to the advertise–discover tree; an advertisement is routed to its root and comes down the tree.</summary>
    AdTree,

    /// <summary>One directory node every node registers with and polls; an app's creator registers the app with it.</summary>
    Directory,
}

/// <summary>
/// The AD-tree ablation (Totoro+ §5): A apps advertised during a measured window, then the tree's root (or the
/// directory) crashes and one more app is advertised. The same timeline runs on both systems.
/// </summary>
public sealed record DiscoverySimConfig
{
    public DiscoverySystem System { get; init; } = DiscoverySystem.AdTree;

    /// <summary>Apps advertised during the measured window, one every <see cref="WindowSeconds"/> / (2 A) from its start.</summary>
    public int Advertisements { get; init; } = 3;

    /// <summary>Seconds over which discovery traffic is counted (after every node has joined or registered and a warm-up).</summary>
    public double WindowSeconds { get; init; } = 60;

    /// <summary>How often a node polls the directory (the tree's keep-alive period by default: the same background rate).</summary>
    public double PollPeriodSeconds { get; init; } = 10;

    /// <summary>After the window the root or directory crashes; one more app is advertised this many seconds later.</summary>
    public double AdvertiseAfterFailureSeconds { get; init; } = 5;

    /// <summary>How long after the crash the last app's reach is measured.</summary>
    public double FailureWindowSeconds { get; init; } = 120;

    /// <summary>
    /// An app's creator announces again this often until it sees the announcement took: its own advertisement comes
    /// back down the tree, or the directory acknowledges it (the learning layer's period, FederatedApp.ReannounceMicros).
    /// </summary>
    public double ReannounceSeconds { get; init; } = Core.Learning.FederatedApp.ReannounceMicros / 1e6;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Advertisements is < 1 or > 100)
            problems.Add($"--advertisements must be from 1 to 100 (got {Advertisements})");
        if (WindowSeconds is <= 0 or > 3600)
            problems.Add($"--window-seconds must be above 0 and at most 3600 (got {WindowSeconds})");
        if (PollPeriodSeconds is < 0.1 or > 3600)
            problems.Add($"--poll-period-seconds must be from 0.1 to 3600 (got {PollPeriodSeconds})");
        if (AdvertiseAfterFailureSeconds < 0 || AdvertiseAfterFailureSeconds >= FailureWindowSeconds)
            problems.Add($"--advertise-after-failure-seconds must be 0 or more and below --failure-window-seconds {FailureWindowSeconds} (got {AdvertiseAfterFailureSeconds})");
        if (FailureWindowSeconds is <= 0 or > 3600)
            problems.Add($"--failure-window-seconds must be above 0 and at most 3600 (got {FailureWindowSeconds})");
        if (ReannounceSeconds <= 0)
            problems.Add($"--reannounce-seconds must be above 0 (got {ReannounceSeconds})");
        return problems;
    }
}
