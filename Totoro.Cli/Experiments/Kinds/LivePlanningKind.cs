using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;
using FlowPlanning = Totoro.Core.Planning.PlanningOptions;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: live-planning` (Figs. 10/11 and the Nash gap on the live forest): A apps train (timing mode) while every
/// node's planner routes its tree flows and chooses its parents; a fraction of nodes may be slow. Row: the mean round,
/// the moves and how many lowered the true potential, and the end's Nash gap on the true costs (the `planning`
/// section of `totoro sim --rounds R --planner P --json`).
/// </summary>
internal sealed partial class LivePlanningKind : ExperimentKind<LivePlanningKind.Parameters, LivePlanningKind.Row>
{
    public override string Name => "live-planning";

    public override string Description => "planners on the live forest's tree flows during training: round time, moves, Nash gap";

    protected override IReadOnlyList<string> Validate(Parameters p)
    {
        var problems = new List<string>(p.ValidateLearning());
        problems.AddRange(p.Planning().Validate().Select(LearningParameters.YamlKeys));
        if (!(p.SlowFraction is >= 0 and <= 1) || !(p.SlowFactor >= 1))
            problems.Add($"'slowFraction' must be in [0, 1] and 'slowFactor' at least 1 (got {p.SlowFraction}, {p.SlowFactor})");
        return problems;
    }

    protected override double Cost(Parameters p) => p.Nodes + ((double)p.Apps * p.SubscribersPerApp * p.Rounds);

    protected override PointResult Run(Parameters p, ulong seed, Action<SimProgress>? progress)
    {
        OverlaySimConfig overlay = p.ToOverlayConfig(seed);
        overlay = overlay with { Network = overlay.Network with { SlowFraction = p.SlowFraction, SlowFactor = p.SlowFactor } };
        var scenario = new FederatedScenario(overlay, p.ToForestConfig() with { Planning = p.Planning() }, p.ToLearningConfig(), Cache);
        SimReport report = scenario.RunReport(progress);
        LivePlanningSection s = report.LivePlanning!;
        return new PointResult(new Row(
            Seed: seed,
            Nodes: p.Nodes,
            Apps: p.Apps,
            Planner: p.Planner,
            SlowFraction: p.SlowFraction,
            Rounds: p.Rounds,
            MeanRoundSeconds: report.Learning!.MeanRoundSeconds,
            Players: s.Players,
            Flows: s.Flows,
            Moves: s.Moves,
            ParentMoves: s.ParentMoves,
            MovesLoweringPotential: s.MovesLoweringPotential,
            ShareLowering: s.Moves == 0 ? 0 : Math.Round((double)s.MovesLoweringPotential / s.Moves, 4),
            NashGap: s.NashGap,
            MeanNashGap: s.MeanNashGap,
            PlayersAboveEpsilon: s.PlayersAboveEpsilon,
            ShareAboveEpsilon: s.Players == 0 ? 0 : Math.Round((double)s.PlayersAboveEpsilon / s.Players, 4),
            NashGapP99: s.NashGapP99,
            ParentPlayers: s.ParentPlayers,
            ParentMeanNashGap: s.ParentMeanNashGap,
            ParentPlayersAboveEpsilon: s.ParentPlayersAboveEpsilon,
            ParentShareAboveEpsilon: s.ParentPlayers == 0 ? 0 : Math.Round((double)s.ParentPlayersAboveEpsilon / s.ParentPlayers, 4),
            ParentPlayersSeeingGain: s.ParentPlayersSeeingGain,
            ParentPlayersAboveEpsilonLevelOnce: s.ParentPlayersAboveEpsilonLevelOnce,
            ParentNashGapLevelOnce: s.ParentNashGapLevelOnce,
            AllLiveParentPlayers: s.AllLiveParentPlayers,
            AllLiveParentPlayersAboveEpsilon: s.AllLiveParentPlayersAboveEpsilon,
            AllLiveNashGap: s.AllLiveNashGap,
            AllLiveNashGapP99: s.AllLiveNashGapP99,
            AllLiveParentPlayersSeeingGain: s.AllLiveParentPlayersSeeingGain,
            AllLiveParentPlayersAboveEpsilonLevelOnce: s.AllLiveParentPlayersAboveEpsilonLevelOnce,
            RoundsToEpsilon: s.RoundsToEpsilon,
            SecondsToEpsilon: s.SecondsToEpsilon,
            AboveEpsilonByRound: string.Join(' ', (s.GapCurve ?? []).Select(g => $"{g.Round}:{g.ParentPlayersAboveEpsilon}"))));
    }

    private static readonly DatasetCache Cache = new();

    /// <summary>The learning kind's keys, plus the planner and the slow nodes.</summary>
    internal sealed class Parameters : LearningParameters
    {
        public string Planner { get; set; } = "game";

        public double Epsilon { get; set; } = 0.05;

        public int PlanPeriodMs { get; set; } = FlowPlanning.DefaultDecisionPeriodMs;

        public double SlowFraction { get; set; }

        public double SlowFactor { get; set; } = 10;

        public FlowPlanning Planning() => new() { Planner = Planner, Epsilon = Epsilon, DecisionPeriodMicros = PlanPeriodMs * 1000L };
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        int Apps,
        string Planner,
        double SlowFraction,
        int Rounds,
        double MeanRoundSeconds,
        int Players,
        int Flows,
        int Moves,
        int ParentMoves,
        int MovesLoweringPotential,
        double ShareLowering,
        double NashGap,
        double MeanNashGap,
        int PlayersAboveEpsilon,
        double ShareAboveEpsilon,
        double NashGapP99,
        int ParentPlayers,
        double ParentMeanNashGap,
        int ParentPlayersAboveEpsilon,
        double ParentShareAboveEpsilon,
        int ParentPlayersSeeingGain,
        int ParentPlayersAboveEpsilonLevelOnce,
        double ParentNashGapLevelOnce,
        int AllLiveParentPlayers,
        int AllLiveParentPlayersAboveEpsilon,
        double AllLiveNashGap,
        double AllLiveNashGapP99,
        int AllLiveParentPlayersSeeingGain,
        int AllLiveParentPlayersAboveEpsilonLevelOnce,
        int RoundsToEpsilon,
        double SecondsToEpsilon,
        string AboveEpsilonByRound);
}
