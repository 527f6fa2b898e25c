using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>The AD-tree ablation: a world, the discovery system and its timeline (<see cref="DiscoverySimConfig"/>).</summary>
internal sealed class DiscoveryParameters : WorldParameters
{
    public DiscoveryParameters() => Lookups = 0;

    /// <summary>ad-tree (Totoro+) or directory (an outside discovery service every node registers with and polls).</summary>
    public string System { get; set; } = "ad-tree";

    public int Advertisements { get; set; } = new DiscoverySimConfig().Advertisements;

    public double WindowSeconds { get; set; } = new DiscoverySimConfig().WindowSeconds;

    public double PollPeriodSeconds { get; set; } = new DiscoverySimConfig().PollPeriodSeconds;

    public double AdvertiseAfterFailureSeconds { get; set; } = new DiscoverySimConfig().AdvertiseAfterFailureSeconds;

    public double FailureWindowSeconds { get; set; } = new DiscoverySimConfig().FailureWindowSeconds;

    /// <summary>freepastry or paper (the overlay's failure timers: how soon a dead root is noticed).</summary>
    public string Timers { get; set; } = "paper";

    public IReadOnlyList<string> ValidateDiscovery()
    {
        var problems = new List<string>(ValidateWorld());
        if (System is not ("ad-tree" or "directory"))
            problems.Add($"'system' must be ad-tree or directory (got '{System}')");
        if (Timers is not ("paper" or "freepastry"))
            problems.Add($"'timers' must be paper or freepastry (got '{Timers}')");
        if (problems.Count == 0)
            problems.AddRange(ToDiscoveryConfig().Validate().Select(YamlKeys));
        return problems;
    }

    public OverlaySimConfig ToDiscoveryOverlay(ulong seed)
    {
        OverlaySimConfig overlay = ToOverlayConfig(seed);
        return overlay with { Pastry = Timers == "paper" ? overlay.Pastry.WithPaperFailureTimers() : overlay.Pastry.WithFreePastryTimers() };
    }

    public DiscoverySimConfig ToDiscoveryConfig() => new()
    {
        System = System == "directory" ? DiscoverySystem.Directory : DiscoverySystem.AdTree,
        Advertisements = Advertisements,
        WindowSeconds = WindowSeconds,
        PollPeriodSeconds = PollPeriodSeconds,
        AdvertiseAfterFailureSeconds = AdvertiseAfterFailureSeconds,
        FailureWindowSeconds = FailureWindowSeconds,
    };
}
