using Totoro.Core.Planning;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: planning` (paper Figs. 10/11, Totoro+ Nash regret): one planner routes the apps' flows for K packets on
/// the seeded edge graph; regret, Nash regret and cumulative latency at K. With pathChoice, the point with the
/// most packets of each planner also draws flow 0's path-choice heat map (paths-PLANNER.png/csv).
/// </summary>
internal sealed partial class PlanningKind : ExperimentKind<PlanningKind.Parameters, PlanningKind.Row>
{
    public override string Name => "planning";

    public override string Description => "path planners on the congestion game: regret, Nash regret, latency";

    protected override IReadOnlyList<string> Validate(Parameters p)
    {
        var problems = new List<string>();
        if (!PlannerKind.Names.Contains(p.Planner))
            problems.Add($"'planner' must be one of {string.Join(", ", PlannerKind.Names)} (got '{p.Planner}')");
        if (!(p.Epsilon >= 0 && p.Epsilon < 1))
            problems.Add($"'epsilon' must be in [0, 1) (got {p.Epsilon})");
        if (p.Packets < 1)
            problems.Add($"'packets' must be a positive count (got {p.Packets})");
        if (p.Nodes < 4 || p.Apps < 1 || p.FlowsPerApp < 1 || p.PathsPerFlow < 1 || p.MaxHops < 1 || p.Fanout < 1 || !(p.FlowBytes > 0))
            problems.Add("'nodes' must be at least 4, and 'apps', 'flowsPerApp', 'pathsPerFlow', 'maxHops', 'fanout' and 'flowBytes' positive");
        return problems;
    }

    protected override double Cost(Parameters parameters) => parameters.Packets;

    protected override PointResult Run(Parameters p, ulong seed, Action<SimProgress>? progress)
    {
        var config = new PlanningSimConfig(seed, p.Planner, p.Epsilon, p.Packets, p.Nodes, p.Apps, p.FlowsPerApp, p.FlowBytes, p.PathsPerFlow, p.MaxHops, p.Trees, p.Fanout);
        PathChoicePlot? choices = p.PathChoice ? new PathChoicePlot(p.Packets, p.PathsPerFlow) : null;
        PlanningSection s = PlanningScenario.Run(config, choices is null ? null : choices.Record);
        var row = new Row(seed, s.Planner, s.Packets, s.Epsilon, s.Flows, s.Links, s.Moves, s.NashGap,
            s.CumulativeLatencySeconds, s.Regret, s.NashRegret, s.MeanRoundSeconds, s.MeanFlowSeconds);
        return new PointResult(row, choices);
    }

    protected override IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory)
    {
        var files = new List<string>();
        foreach (IGrouping<string, PointResult> planner in results.Where(r => r.Detail is not null).GroupBy(r => ((Row)r.Row).Planner))
        {
            PointResult longest = planner.OrderByDescending(r => ((Row)r.Row).Packets).ThenBy(r => ((Row)r.Row).Seed).First();
            string stem = $"paths-{planner.Key}";
            ((PathChoicePlot)longest.Detail!).Write(directory, planner.Key, stem);
            files.Add(Path.Combine(directory, stem + ".csv"));
            files.Add(Path.Combine(directory, stem + ".png"));
        }

        return files;
    }

    internal sealed class Parameters
    {
        /// <summary>static, bandit, e2e, nexthop or game.</summary>
        public string Planner { get; set; } = "game";

        public int Packets { get; set; } = 1000;

        public double Epsilon { get; set; } = 0.05;

        public int Nodes { get; set; } = 40;

        public int Apps { get; set; } = 5;

        public int FlowsPerApp { get; set; } = 4;

        public double FlowBytes { get; set; } = 1_000_000;

        public int PathsPerFlow { get; set; } = 8;

        public int MaxHops { get; set; } = 10;

        /// <summary>Each app is a tree of this fanout whose edges carry the model down and the update up (false: workers send straight to the master).</summary>
        public bool Trees { get; set; }

        public int Fanout { get; set; } = 2;

        /// <summary>Record flow 0's path choices and draw the heat map (paper Fig. 11).</summary>
        public bool PathChoice { get; set; }
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        string Planner,
        int Packets,
        double Epsilon,
        int Flows,
        int Links,
        int Moves,
        double NashGap,
        double CumulativeLatencySeconds,
        double Regret,
        double NashRegret,
        double MeanRoundSeconds,
        double MeanFlowSeconds);
}
