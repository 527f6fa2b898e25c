using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: churn`: a failure burst in T trees (recovery time, orphans, fail-overs, models lost; Fig. 12) and/or
/// session churn with lookups spread over it (lookup success rate), as `totoro sim --fail-trees … --churn …` runs them.
/// Columns a point did not measure are empty.
/// </summary>
internal sealed partial class ChurnKind : ExperimentKind<ChurnParameters, ChurnKind.Row>
{
    public override string Name => "churn";

    public override string Description => "failure burst in T trees (recovery time) or session churn (lookup success)";

    protected override IReadOnlyList<string> Validate(ChurnParameters parameters) => parameters.ValidateChurn();

    // Session churn costs one join per departure; a burst costs the trees it builds.
    protected override double Cost(ChurnParameters parameters) =>
        parameters.Nodes
        + (parameters.FailTrees > 0 ? (double)parameters.Apps * parameters.SubscribersPerApp : 0)
        + (parameters.HasSessionChurn ? parameters.Nodes * parameters.ChurnDuration / parameters.MeanSession!.Value : 0);

    protected override PointResult Run(ChurnParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        ChurnSimConfig churn = parameters.ToChurnConfig();
        OverlaySimConfig overlay = ChurnOptions.WithTimers(parameters.ToOverlayConfig(seed), churn);
        SimReport report = ChurnScenario.Run(overlay, churn.HasBurst ? parameters.ToForestConfig() : null, churn, progress);
        ChurnSection c = report.Churn!;
        return new PointResult(new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            Timers: c.Timers,
            Apps: churn.HasBurst ? parameters.Apps : null,
            SubscribersPerApp: churn.HasBurst ? parameters.SubscribersPerApp : null,
            Fanout: churn.HasBurst ? (parameters.Fanout > 0 ? parameters.Fanout : 1 << parameters.B) : null,
            FailTrees: c.FailTrees,
            FailFraction: c.FailFraction,
            FailRoots: churn.HasBurst ? parameters.FailRoots : null,
            FailedNodes: c.FailedNodes,
            Orphans: c.Orphans,
            TreesMeasured: c.TreesMeasured,
            TreesHealed: c.TreesRecovered,
            MeanRecoveryS: Seconds(c.MeanRecoveryMs),
            P99RecoveryS: Seconds(c.P99RecoveryMs),
            MaxRecoveryS: Seconds(c.MaxRecoveryMs),
            RootFailovers: c.RootFailovers,
            RoundsLost: c.RoundsLost,
            ModelsLost: c.ModelsLost,
            RoundAfterRepairDelivered: c.RoundAfterRepairDelivered,
            RoundAfterRepairExpected: c.RoundAfterRepairExpected,
            Churn: parameters.Churn,
            MeanSessionMinutes: c.MeanSessionSeconds is { } s ? Math.Round(s / 60, 3) : null,
            DurationSeconds: c.DurationSeconds,
            Departures: c.Departures,
            LookupsIssued: c.LookupsIssued,
            LookupsCorrect: c.LookupsCorrect,
            LookupSuccessRate: c.LookupSuccessRate,
            LookupsDroppedAfterRetries: c.LookupsDroppedAfterRetries));
    }

    private static double? Seconds(double? ms) => ms is { } v ? Math.Round(v / 1000, 4) : null;

    /// <summary>One churn point. Burst columns are empty for session churn alone, and the other way round.</summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        string Timers,
        int? Apps,
        int? SubscribersPerApp,
        int? Fanout,
        int? FailTrees,
        double? FailFraction,
        bool? FailRoots,
        int? FailedNodes,
        int? Orphans,
        int? TreesMeasured,
        int? TreesHealed,
        double? MeanRecoveryS,
        double? P99RecoveryS,
        double? MaxRecoveryS,
        int? RootFailovers,
        int? RoundsLost,
        int? ModelsLost,
        int? RoundAfterRepairDelivered,
        int? RoundAfterRepairExpected,
        string Churn,
        double? MeanSessionMinutes,
        double? DurationSeconds,
        int? Departures,
        int? LookupsIssued,
        int? LookupsCorrect,
        double? LookupSuccessRate,
        int? LookupsDroppedAfterRetries);
}
