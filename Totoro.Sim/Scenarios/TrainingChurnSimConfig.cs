namespace Totoro.Sim.Scenarios;

/// <summary>
/// Disturbances to a training run: session churn while the apps train, and/or every app's root crashed in the
/// middle of round <see cref="KillRootAtRound"/>.
/// </summary>
public sealed record TrainingChurnSimConfig
{
    /// <summary>Session churn during training (null: none). A failure burst (--fail-trees) does not apply here.</summary>
    public ChurnSimConfig? Churn { get; init; }

    /// <summary>Crash every app's root when the first update of this (master) round reaches it; 0: never.</summary>
    public int KillRootAtRound { get; init; }

    /// <summary>Repair timer profile (freepastry or paper) when there is no session churn to carry it.</summary>
    public string Timers { get; init; } = "freepastry";

    /// <summary>Give up on an app when nothing has happened to any app (no round closed, no take-over) for this long.</summary>
    public double StallLimitSeconds { get; init; } = 900;

    public string EffectiveTimers => Churn?.Timers ?? Timers;

    public IReadOnlyList<string> Validate(LearningSimConfig learning)
    {
        var problems = new List<string>();
        if (Churn is null && KillRootAtRound == 0)
            problems.Add("training under churn needs --churn exp|pareto|weibull|trace:FILE or --kill-root-at-round R");
        if (Churn is { HasBurst: true })
            problems.Add("--fail-trees measures tree repair after one round; with --rounds crash the roots with --kill-root-at-round R instead");
        if (KillRootAtRound < 0)
            problems.Add($"--kill-root-at-round must be a round from 1 to --rounds (got {KillRootAtRound})");
        else if (KillRootAtRound > learning.Template.Rounds)
            problems.Add($"--kill-root-at-round ({KillRootAtRound}) must be at most --rounds ({learning.Template.Rounds})");
        if (learning.System != "totoro")
            problems.Add($"--churn and --kill-root-at-round with --rounds need --system totoro (got '{learning.System}': the baselines have no tree to repair)");
        if (Churn is { HasSessionChurn: true } && learning.Template.RoundDeadlineMs <= 0)
            problems.Add("training under --churn needs --round-deadline-ms T: without a deadline a dead worker holds its round open forever");
        if (EffectiveTimers is not ("freepastry" or "paper"))
            problems.Add($"--timers must be freepastry or paper (got '{EffectiveTimers}')");
        if (!(StallLimitSeconds > 0))
            problems.Add("the stall limit must be positive");
        return problems;
    }
}
