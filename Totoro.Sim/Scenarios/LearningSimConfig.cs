using Totoro.Core.Learning;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Federated training in the simulator: A apps made from one template spec (each its own name, data partition and
/// seed), run by one system — `totoro` (a tree per app), `openfl` or `fedscale` (one server built from resources:
/// a NIC and CPU cores serving every app's round set-up, aggregation and close tasks first come, first served; see
/// <see cref="Baselines.CentralShape"/>), `central` (the earlier model: one coordinator serving one app's whole
/// round at a time, training included) or `star` (a server per app at a random edge node, no tree) — with real
/// training or timing only.
/// </summary>
public sealed record LearningSimConfig
{
    public static readonly string[] Systems = ["totoro", "central", "star", "openfl", "fedscale"];

    public AppSpec Template { get; init; } = new();

    public int Apps { get; init; } = 1;

    public string System { get; init; } = "totoro";

    /// <summary>real: floats move and models train; timing: sizes move and accuracy replays <see cref="AccuracyCurve"/>.</summary>
    public string Train { get; init; } = "real";

    /// <summary>Per-round CSV of a real run, replayed by timing runs (required for time-to-accuracy in timing mode).</summary>
    public string? AccuracyCurve { get; init; }

    /// <summary>Parameters every app's training starts from (a saved global model); null: the seeded initial model.</summary>
    public float[]? InitModel { get; init; }

    /// <summary>Accuracy after each round (1, 2, …) of a real run, given inline (an experiment file carries it).</summary>
    public IReadOnlyList<double>? AccuracyPoints { get; init; }

    /// <summary>Device speeds, GFLOP/s, drawn log-uniformly per node.</summary>
    public (double Min, double Max) DeviceGflops { get; init; } = (0.5, 8);

    /// <summary>The central coordinator's links (a data-centre server), Mbit/s each way.</summary>
    public double CentralMbps { get; init; } = 10_000;

    /// <summary>
    /// Run the apps one after another, each alone in the same world, timing each from its own start: the
    /// interference-free reference for the same apps (their total is the slowest app's own time).
    /// </summary>
    public bool Isolated { get; init; }

    public bool IsTiming => Train == "timing";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(Template.Validate());
        if (!Systems.Contains(System))
            problems.Add($"--system must be one of {string.Join(", ", Systems)} (got '{System}')");
        if (Train is not ("real" or "timing"))
            problems.Add($"--train must be real or timing (got '{Train}')");
        if (Apps < 1)
            problems.Add($"training needs at least one app (got --apps {Apps})");
        if (!(DeviceGflops.Min > 0) || !(DeviceGflops.Max >= DeviceGflops.Min))
            problems.Add($"--device-gflops must be MIN-MAX with 0 < MIN ≤ MAX (got {DeviceGflops.Min}-{DeviceGflops.Max})");
        if (!(CentralMbps > 0))
            problems.Add($"--central-mbps must be positive (got {CentralMbps})");
        if ((AccuracyCurve is not null || AccuracyPoints is not null) && !IsTiming)
            problems.Add("--accuracy-curve is for --train timing");
        if (AccuracyPoints is { } points && (points.Count == 0 || points.Any(a => !(a is >= 0 and <= 1))))
            problems.Add("an inline accuracy curve needs at least one round, each accuracy in [0, 1]");
        return problems;
    }

    /// <summary>App i's spec: the template with its own name.</summary>
    public AppSpec SpecFor(int app) => Template with { Name = $"app-{app}" };
}
