using Totoro.Core.Forest;
using Totoro.Sim.Churn;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Churn on top of a settled overlay: session churn (lengths from a distribution or a replayed trace) while
/// lookups run, and/or a failure burst in T trees of the forest.
/// </summary>
public sealed record ChurnSimConfig
{
    /// <summary>Session lengths; null with no trace means no session churn.</summary>
    public ISessionDistribution? Sessions { get; init; }

    /// <summary>Time a departed node stays away before a fresh node takes its place; null: at once.</summary>
    public ISessionDistribution? Downtimes { get; init; }

    /// <summary>A replayed trace instead of <see cref="Sessions"/>: trace node n is overlay node n.</summary>
    public IReadOnlyList<ChurnEvent>? Trace { get; init; }

    /// <summary>Where the trace came from (reported).</summary>
    public string? TraceName { get; init; }

    /// <summary>How long session churn runs (simulated seconds); lookups are spread over it.</summary>
    public double DurationSeconds { get; init; } = 3600;

    /// <summary>Share of departures that are graceful leaves (the rest crash).</summary>
    public double LeaveFraction { get; init; }

    /// <summary>Fraction of each failing tree's nodes that crash at once (0: no burst).</summary>
    public double FailFraction { get; init; }

    /// <summary>How many trees the burst hits.</summary>
    public int FailTrees { get; init; }

    /// <summary>Crash each failing tree's root too (the fail-over case).</summary>
    public bool FailRoots { get; init; }

    /// <summary>Timer profile name for the report: freepastry or paper.</summary>
    public string Timers { get; init; } = "freepastry";

    /// <summary>How long after the burst a tree may take to heal before it counts as not recovered (simulated seconds).</summary>
    public double RecoveryLimitSeconds { get; init; } = 180;

    public bool HasSessionChurn => Sessions is not null || Trace is not null;

    public bool HasBurst => FailTrees > 0;

    /// <summary>Tree timers for the profile: FreePastry-era Scribe defaults, or shortened ones next to the paper's 8 s / 10 s leaf-set timers.</summary>
    public static TreeOptions TreeTimersFor(string timers) => timers == "paper"
        ? new TreeOptions { HeartbeatPeriodMicros = 2_000_000, ParentTimeoutMicros = 5_000_000, JoinTimeoutMicros = 3_000_000 }
        : new TreeOptions();

    public IReadOnlyList<string> Validate(int nodes, int apps)
    {
        var problems = new List<string>();
        if (!HasSessionChurn && !HasBurst)
            problems.Add("churn needs --churn exp|pareto|weibull|trace:FILE or --fail-trees T");
        if (!(DurationSeconds > 0) || double.IsInfinity(DurationSeconds))
            problems.Add($"--churn-duration must be a positive number of seconds (got {DurationSeconds})");
        if (double.IsNaN(LeaveFraction) || LeaveFraction < 0 || LeaveFraction > 1)
            problems.Add($"--leave-fraction must be in [0, 1] (got {LeaveFraction})");
        if (FailTrees < 0)
            problems.Add($"--fail-trees must be zero or more (got {FailTrees})");
        if (HasBurst && (double.IsNaN(FailFraction) || FailFraction <= 0 || FailFraction > 1))
            problems.Add($"--fail-fraction must be in (0, 1] (got {FailFraction})");
        if (HasBurst && FailTrees > apps)
            problems.Add($"--fail-trees ({FailTrees}) must be at most --apps ({apps}); add apps with --apps");
        if (Timers is not ("freepastry" or "paper"))
            problems.Add($"--timers must be freepastry or paper (got '{Timers}')");
        if (Trace?.FirstOrDefault(e => e.Node >= nodes) is { Node: var beyond } && Trace.Any(e => e.Node >= nodes))
            problems.Add($"the churn trace names node {beyond}, beyond --nodes {nodes} (trace nodes are 0..{nodes - 1})");
        return problems;
    }
}
