using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments.Kinds;

/// <summary>
/// `kind: learning`: A apps train on one system (totoro, openfl, fedscale, central, star), real or timing-only; time
/// to the target accuracy, round times, final accuracy (Table 3, Figs. 8/9). Besides points.csv it writes
/// speedup.csv/.png (each totoro point against each baseline's point of the same seed, apps and b) and
/// time-to-accuracy-A.png (mean accuracy over the apps against simulated time, one line per system and fanout).
/// </summary>
internal sealed partial class LearningKind : ExperimentKind<LearningParameters, LearningKind.Row>
{
    public override string Name => "learning";

    public override string Description => "FL apps trained by totoro, openfl, fedscale, central or star: time to accuracy, speedups";

    protected override IReadOnlyList<string> Validate(LearningParameters parameters) => parameters.ValidateLearning();

    protected override double Cost(LearningParameters parameters) =>
        parameters.Nodes + ((double)parameters.Apps * parameters.SubscribersPerApp * parameters.Rounds * (parameters.Train == "real" ? 100 : 1));

    protected override PointResult Run(LearningParameters parameters, ulong seed, Action<SimProgress>? progress)
    {
        var scenario = new FederatedScenario(parameters.ToOverlayConfig(seed), parameters.ToForestConfig(), parameters.ToLearningConfig(), Cache);
        LearningSection l = scenario.Run(progress);
        int fanout = parameters.Fanout > 0 ? parameters.Fanout : 1 << parameters.B;
        var row = new Row(
            Seed: seed,
            Nodes: parameters.Nodes,
            B: parameters.B,
            Fanout: fanout,
            Apps: l.Apps,
            System: l.System,
            Mode: l.Mode,
            Isolated: l.Isolated,
            Model: l.Model,
            Rule: l.Rule,
            Partition: l.Partition,
            WorkersPerApp: l.WorkersPerApp,
            ClientsPerRound: l.ClientsPerRound,
            TargetAccuracy: l.TargetAccuracy,
            AppsAtTarget: l.PerApp.Count(a => a.TimeToTargetSeconds is not null),
            TotalTrainingSeconds: l.TotalTrainingSeconds,
            MeanAppSeconds: Math.Round(l.PerApp.Average(a => a.TimeToTargetSeconds ?? a.TotalSeconds), 3),
            FirstAppSeconds: Math.Round(l.PerApp[0].TimeToTargetSeconds ?? l.PerApp[0].TotalSeconds, 3),
            MeanRoundSeconds: l.MeanRoundSeconds,
            MeanFinalAccuracy: Math.Round(l.PerApp.Average(a => a.FinalAccuracy), 4),
            ServerCpuBusySeconds: Math.Round(scenario.ServerCpuBusySeconds, 3),
            Byzantine: parameters.Byzantine,
            Attack: parameters.Byzantine > 0 ? parameters.Attack : "none");
        var curves = l.PerApp.Select(a => a.History.Where(r => !double.IsNaN(r.Accuracy)).Select(r => (r.EndSeconds, r.Accuracy)).ToArray()).ToArray();
        return new PointResult(row, curves);
    }

    /// <summary>Fashion-MNIST is read once for all points of a run.</summary>
    private static readonly DatasetCache Cache = new();

    protected override IReadOnlyList<string> WriteExtras(IReadOnlyList<PointResult> results, string directory)
    {
        var files = new List<string>();
        Row[] rows = results.Select(r => (Row)r.Row).ToArray();
        var speedups = rows
            .Where(t => t.System == "totoro" && !t.Isolated && t.TotalTrainingSeconds > 0)
            .SelectMany(t => rows
                .Where(c => c.System is not ("totoro" or "star") && !c.Isolated && c.Seed == t.Seed && c.Apps == t.Apps && c.Nodes == t.Nodes && c.B == t.B)
                .Select(c => new SpeedupRow(t.Seed, t.Apps, t.Fanout, c.System, $"vs {c.System}, fanout {t.Fanout}", t.TotalTrainingSeconds, c.TotalTrainingSeconds, Math.Round(c.TotalTrainingSeconds / t.TotalTrainingSeconds, 3))))
            .ToList();
        if (speedups.Count > 0)
        {
            files.Add(WriteCsv(Path.Combine(directory, "speedup.csv"), speedups));
            string png = Path.Combine(directory, "speedup.png");
            ExperimentPlot.Write(png, new PlotSpec
            {
                Title = "Time-to-accuracy speedup of Totoro over the central baselines (Table 3)",
                X = "apps",
                Y = ["speedup"],
                Series = "series",
                SeriesLabel = "{}",
                XLabel = "concurrent apps",
                YLabel = "baseline time / Totoro time (×, mean over seeds)",
            }, speedups.Cast<object>().ToList(), typeof(SpeedupRow));
            files.Add(png);
        }

        // Does Totoro's total stay flat as apps are added? Each apps count against one app, same seed and fanout.
        var flat = rows
            .Where(t => t.System == "totoro" && !t.Isolated && t.TotalTrainingSeconds > 0)
            .Select(t => (Row: t, One: rows.FirstOrDefault(o => o.System == "totoro" && !o.Isolated && o.Apps == 1 && o.Seed == t.Seed && o.Nodes == t.Nodes && o.B == t.B)))
            .Where(p => p.One is not null && p.One.TotalTrainingSeconds > 0)
            .Select(p => new FlatRow(p.Row.Seed, p.Row.Apps, p.Row.Fanout, p.Row.TotalTrainingSeconds, p.One!.TotalTrainingSeconds, Math.Round(p.Row.TotalTrainingSeconds / p.One.TotalTrainingSeconds, 4),
                p.Row.MeanAppSeconds, Math.Round(p.Row.MeanAppSeconds / p.One.MeanAppSeconds, 4), p.Row.FirstAppSeconds, Math.Round(p.Row.FirstAppSeconds / p.One.FirstAppSeconds, 4)))
            .ToList();
        if (flat.Count > 0)
            files.Add(WriteCsv(Path.Combine(directory, "flat.csv"), flat));

        foreach (IGrouping<int, int> group in Enumerable.Range(0, rows.Length).Where(i => !rows[i].Isolated).GroupBy(i => rows[i].Apps))
        {
            var plot = new ScottPlot.Plot();
            bool any = false;
            var drawn = new HashSet<string>();
            ScottPlot.LinePattern[] patterns = [ScottPlot.LinePattern.Solid, ScottPlot.LinePattern.Dashed, ScottPlot.LinePattern.Dotted, ScottPlot.LinePattern.DenselyDashed];
            bool rulesVary = group.Select(i => (rows[i].Rule, rows[i].Partition)).Distinct().Count() > 1;
            foreach (int i in group.Where(i => rows[i].Seed == rows[group.First()].Seed))
            {
                // One line per system and fanout (the baselines use no tree: one line each), and per rule and partition.
                string label = rows[i].System == "totoro" ? $"Totoro f={rows[i].Fanout}" : $"{rows[i].System} (no tree)";
                if (rulesVary)
                    label += $", {rows[i].Rule}, {rows[i].Partition}";
                var curves = ((double Seconds, double Accuracy)[][])results[i].Detail!;
                (double[] xs, double[] ys) = MeanCurve(curves);
                if (xs.Length == 0 || !drawn.Add(label))
                    continue;
                var line = plot.Add.Scatter(xs, ys);
                line.LegendText = label;
                line.LineWidth = 2 + (drawn.Count % 3);
                line.LinePattern = patterns[drawn.Count % patterns.Length];
                line.MarkerSize = 0;
                any = true;
            }

            if (!any)
                continue;
            plot.Title($"Time to accuracy, {group.Key} concurrent app(s): mean test accuracy over the apps");
            plot.XLabel("simulated training time (s)");
            plot.YLabel("test accuracy");
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
            string file = Path.Combine(directory, $"time-to-accuracy-{group.Key}.png");
            plot.SavePng(file, 900, 560);
            files.Add(file);
        }

        return files;
    }

    private static string WriteCsv<T>(string path, IEnumerable<T> records)
    {
        using var writer = new StreamWriter(path);
        using CsvHelper.CsvWriter csv = CsvHelper.CsvWriter.Create(writer);
        csv.WriteRecords(records);
        return path;
    }

    /// <summary>
    /// Each app's accuracy as a step function of time, averaged over the apps at every change point from the moment
    /// every app has been evaluated once.
    /// </summary>
    private static (double[] X, double[] Y) MeanCurve((double Seconds, double Accuracy)[][] curves)
    {
        if (curves.Length == 0 || curves.Any(c => c.Length == 0))
            return ([], []);
        double start = curves.Max(c => c[0].Seconds);
        double[] times = curves.SelectMany(c => c.Select(p => p.Seconds)).Where(t => t >= start).Distinct().Order().ToArray();
        var ys = new double[times.Length];
        for (int t = 0; t < times.Length; t++)
        {
            double sum = 0;
            foreach ((double Seconds, double Accuracy)[] curve in curves)
            {
                double last = 0;
                foreach ((double seconds, double accuracy) in curve)
                {
                    if (seconds > times[t])
                        break;
                    last = accuracy;
                }

                sum += last;
            }

            ys[t] = sum / Math.Max(1, curves.Length);
        }

        return (times, ys);
    }

    [CsvHelper.CsvRecord]
    internal sealed partial record Row(
        ulong Seed,
        int Nodes,
        int B,
        int Fanout,
        int Apps,
        string System,
        string Mode,
        bool Isolated,
        string Model,
        string Rule,
        string Partition,
        int WorkersPerApp,
        int ClientsPerRound,
        double TargetAccuracy,
        int AppsAtTarget,
        double TotalTrainingSeconds,
        double MeanAppSeconds,
        double FirstAppSeconds,
        double MeanRoundSeconds,
        double MeanFinalAccuracy,
        double ServerCpuBusySeconds,
        double Byzantine,
        string Attack);

    /// <summary>
    /// Totoro with A apps against Totoro with one app (same seed and fanout): the total (the slowest of A apps), the
    /// mean app's time, and app 0's time (the same app, workers and devices in both runs: what the others cost it).
    /// </summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record FlatRow(ulong Seed, int Apps, int Fanout, double TotoroSeconds, double OneAppSeconds, double Ratio, double MeanAppSeconds, double MeanAppRatio, double FirstAppSeconds, double FirstAppRatio);

    /// <summary>Table 3's cell: Totoro against one baseline for the same seed, apps and world.</summary>
    [CsvHelper.CsvRecord]
    internal sealed partial record SpeedupRow(ulong Seed, int Apps, int Fanout, string Baseline, string Series, double TotoroSeconds, double BaselineSeconds, double Speedup);
}
