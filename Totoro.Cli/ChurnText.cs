using System.Globalization;
using System.Text;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>The readable lines of the `churn` section (sessions, failure burst, training under churn), printed without --json.</summary>
internal static class ChurnText
{
    public static void Append(StringBuilder text, ChurnSection churn)
    {
        IFormatProvider c = CultureInfo.InvariantCulture;
        if (churn.Model is not null)
        {
            text.AppendLine(c, $"Churn     {churn.Model} sessions (mean {churn.MeanSessionSeconds?.ToString("F0", c) ?? "-"} s), timers {churn.Timers}: {churn.Departures:N0} departures ({churn.GracefulLeaves:N0} graceful), {churn.Rejoins:N0} fresh nodes, {churn.LiveNodesAtEnd:N0} live at the end");
            text.AppendLine(c, $"  lookups {churn.LookupsCorrect:N0}/{churn.LookupsIssued:N0} correct ({churn.LookupSuccessRate:P2}); {churn.LookupsResent:N0} sent again after the lookup timeout, {churn.LookupsTimedOut:N0} given up");
            if (churn.LeafSetsExactAfterSettle is { } exact)
                text.AppendLine(c, $"  settled {exact:N0} of {churn.LiveNodesAfterSettle:N0} live nodes have the oracle's leaf set");
        }

        if (churn.FailTrees is { } trees)
            text.AppendLine(c, $"Burst     {trees} trees, {churn.FailedNodes:N0} nodes failed; {churn.TreesRecovered}/{churn.TreesMeasured} recovered, mean {churn.MeanRecoveryMs:F0} ms, p99 {churn.P99RecoveryMs:F0} ms, max {churn.MaxRecoveryMs:F0} ms");
        if (churn.Training is { } t)
        {
            string kill = t.KillRootAtRound > 0 ? $"{t.RootsKilled} roots killed in round {t.KillRootAtRound}, " : "";
            text.AppendLine(c, $"Training  under churn: {kill}{t.RootDeaths} root deaths, {t.RootDeathsResumed} resumed by a replica (take-over mean {churn.MeanRecoveryMs:F0} ms, p99 {churn.P99RecoveryMs:F0} ms)");
            text.AppendLine(c, $"  workers {t.WorkerDepartures} departed, {t.WorkersHandedOver} shards taken over by fresh nodes; deadline {t.RoundDeadlineMs} ms");
            text.AppendLine(c, $"  rounds  {t.RoundsClosed} closed, {t.RoundsShortOfParticipants} short of participants; mean {t.MeanContributions:F2} updates of {t.MeanParticipants:F2} asked; {t.DuplicateUpdates} duplicates, {t.WeightMismatches} weight mismatches");
            text.AppendLine(c, $"  lost    {churn.RoundsLost} rounds, {churn.ModelsLost} models; {t.AppsUnfinished} apps unfinished{(t.GaveUp ? " (gave up: training stalled)" : "")}");
        }
        else if (churn.RootFailovers is { } failovers)
        {
            text.AppendLine(c, $"Failover  {failovers} root take-overs, {churn.RoundsLost} rounds lost, {churn.ModelsLost} models lost");
        }
    }
}
