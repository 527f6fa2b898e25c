namespace Totoro.Sim.Scenarios;

/// <summary>
/// `totoro sim --churn …` and/or `--fail-trees …`: session churn with lookups on one overlay, a failure burst on a
/// forest (a second world, so neither disturbs the other's measurement); the churn sections are merged.
/// </summary>
public static class ChurnScenario
{
    public static SimReport Run(OverlaySimConfig overlay, ForestSimConfig? forest, ChurnSimConfig churn, Action<SimProgress>? progress = null)
    {
        SimReport? sessions = churn.HasSessionChurn ? new SessionChurnScenario(overlay, churn).Run(progress) : null;
        if (!churn.HasBurst)
            return sessions!;
        if (forest is null)
            throw new ArgumentException("--fail-trees needs apps on the forest: add --apps A (at least T)");
        SimReport burst = new FailureBurstScenario(overlay, forest, churn).Run(progress);
        if (sessions is null)
            return burst;
        ChurnSection b = burst.Churn!;
        return sessions with
        {
            Forest = burst.Forest,
            Churn = sessions.Churn! with
            {
                FailTrees = b.FailTrees,
                FailFraction = b.FailFraction,
                FailedNodes = b.FailedNodes,
                Orphans = b.Orphans,
                TreesMeasured = b.TreesMeasured,
                TreesRecovered = b.TreesRecovered,
                MeanRecoveryMs = b.MeanRecoveryMs,
                P99RecoveryMs = b.P99RecoveryMs,
                MaxRecoveryMs = b.MaxRecoveryMs,
                RootFailovers = b.RootFailovers,
                RoundsLost = b.RoundsLost,
                ModelsLost = b.ModelsLost,
                RoundAfterRepairDelivered = b.RoundAfterRepairDelivered,
                RoundAfterRepairExpected = b.RoundAfterRepairExpected,
            },
        };
    }
}
