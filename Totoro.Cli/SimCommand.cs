using System.CommandLine;
using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>`totoro sim`: build an overlay of N nodes in the simulator, route lookups, report.</summary>
internal static class SimCommand
{
    /// <param name="stdout">Where the report goes (the console unless a test runs the command in-process).</param>
    public static Command Create(TextWriter? stdout = null)
    {
        var options = new SimOptions();
        var planning = new PlanningOptions();
        var learning = new LearningOptions();
        var churnOptions = new ChurnOptions();
        var trainingChurn = new TrainingChurnOptions();
        var nodes = new Option<int>("--nodes") { Description = "Number of nodes to join by messages", DefaultValueFactory = _ => 1000 };
        var command = new Command("sim", "Simulate an overlay of N nodes: message-level joins, then lookups checked against an oracle");
        command.Options.Add(nodes);
        options.AddTo(command);
        planning.AddTo(command);
        learning.AddTo(command);
        churnOptions.AddTo(command);
        trainingChurn.AddTo(command);
        command.SetAction(parsed =>
        {
            OverlaySimConfig config = options.ToConfig(parsed, parsed.GetValue(nodes));
            ForestSimConfig? forest = options.ToForestConfig(parsed, config.Nodes);
            LearningSimConfig? training = learning.ToConfig(parsed, parsed.GetValue(options.Apps), parsed.GetValue(options.SubscribersPerApp), parsed.GetValue(options.RoundDeadlineMs));
            Core.Planning.PlanningOptions? live = training is null ? null : planning.ToLive(parsed);
            PlanningSimConfig? plan = training is null ? planning.ToConfig(parsed, config.Seed) : null;
            bool json = parsed.GetValue(options.Json);
            bool showProgress = !json || parsed.GetValue(options.Progress);
            DirectoryInfo? outDir = parsed.GetValue(options.Out);
            ChurnSimConfig? churn = churnOptions.ToConfig(parsed, config.Nodes, forest?.Apps ?? 0, trainingChurn.KillsRoots(parsed));
            TrainingChurnSimConfig? disturbed = trainingChurn.ToConfig(parsed, training, churn, parsed.GetValue(churnOptions.Timers) ?? "freepastry");
            if (live is not null && disturbed is not null)
                throw new UsageException("--planner: a training run under churn (--churn, --fail-trees) does not plan its tree flows yet; leave one of them out");
            ForestSimConfig? sized = training is null ? forest : options.ToForestConfig(parsed, config.Nodes, apps: training.Apps)! with { RealVectors = !training.IsTiming };
            if (MemoryEstimate.Refusal(config, sized, MemoryEstimate.MachineBytes(), training) is { } refusal)
                throw new UsageException($"--nodes {config.Nodes:N0}: {refusal}");
            if (training is not null && disturbed?.Churn is null && parsed.GetValue(options.Lookups) > 0 && parsed.GetResult(options.Lookups) is { Implicit: false })
                throw new UsageException("--lookups: a training run (--rounds) routes no lookups unless it trains under churn (--churn); leave --lookups out, or drop --rounds to route them");
            if (outDir is not null)
                outDir = OutputFolder.Prepare("--out", outDir.ToString());
            SimReport report = disturbed is not null
                ? RunTrainingChurn(config, options.ToForestConfig(parsed, config.Nodes, apps: training!.Apps)!, training, disturbed, showProgress: showProgress)
                : churn is not null
                ? RunChurn(ChurnOptions.WithTimers(config, churn), forest, churn, showProgress: showProgress)
                : training is null
                ? Run(config, forest, showProgress: showProgress)
                : RunTraining(config, options.ToForestConfig(parsed, config.Nodes, apps: training.Apps)! with { Planning = live }, training, showProgress: showProgress, outDir);
            if (plan is not null)
            {
                var choices = new PathChoicePlot(plan.Packets, plan.PathsPerFlow);
                report = report with { Planning = PlanningScenario.Run(plan, choices.Record) };
                if (outDir is not null)
                {
                    outDir.Create();
                    choices.Write(outDir.FullName, plan.Planner);
                }
            }
            string text = ReportJson.Serialize(report);
            if (outDir is not null)
            {
                outDir.Create();
                File.WriteAllText(Path.Combine(outDir.FullName, "sim.json"), text + Environment.NewLine);
            }

            if (outDir is not null && report.Learning is { } trained)
                RoundsCsv.Write(Path.Combine(outDir.FullName, "rounds.csv"), trained);

            TextWriter output = stdout ?? Console.Out;
            if (json)
                output.WriteLine(text);
            else
                output.Write(ReportText.Format(report));
            bool forestOk = report.Learning is { } learned
                ? learned.PerApp.All(a => a.Rounds >= training!.Template.Rounds || a.TimeToTargetSeconds is not null) // a round redone after a take-over is closed twice
                : report.Forest is null
                    || (report.Forest.BroadcastsDelivered == report.Forest.Apps * report.Forest.SubscribersPerApp
                        && report.Forest.ContributionsAggregated == (long)report.Forest.Apps * report.Forest.SubscribersPerApp);
            if (report.Churn is { } churned)
                return ChurnOptions.Succeeded(churned) && (report.Learning is null || forestOk) ? ExitCodes.Ok : ExitCodes.Failed;
            return report.Overlay.Correct == report.Overlay.Lookups && forestOk ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static SimReport RunChurn(OverlaySimConfig config, ForestSimConfig? forest, ChurnSimConfig churn, bool showProgress) =>
        ProgressBar.Show(showProgress, progress => ChurnScenario.Run(config, forest, churn, progress));

    private static SimReport RunTrainingChurn(OverlaySimConfig config, ForestSimConfig forest, LearningSimConfig training, TrainingChurnSimConfig disturbed, bool showProgress)
    {
        var timers = new ChurnSimConfig { Timers = disturbed.EffectiveTimers };
        return ProgressBar.Show(showProgress, progress => new TrainingChurnScenario(ChurnOptions.WithTimers(config, disturbed.Churn ?? timers), forest, training, disturbed).Run(progress));
    }

    /// <summary>Trains; with --out, each app's final global model is written there too (model-NAME.bin, docs/model-format.md).</summary>
    private static SimReport RunTraining(OverlaySimConfig config, ForestSimConfig forest, LearningSimConfig training, bool showProgress, DirectoryInfo? outDir)
    {
        var scenario = new FederatedScenario(config, forest, training);
        SimReport report = ProgressBar.Show(showProgress, progress => scenario.RunReport(progress));
        if (outDir is not null && !training.IsTiming)
        {
            outDir.Create();
            foreach (FederatedMaster master in scenario.Masters)
                ModelFile.Write(Path.Combine(outDir.FullName, $"model-{master.Spec.Name}.bin"), new ModelFile(master.Spec.Name, master.CompletedRounds, master.FinalAccuracy, master.Global));
        }

        return report;
    }

    public static SimReport Run(OverlaySimConfig config, ForestSimConfig? forest, bool showProgress) =>
        ProgressBar.Show(showProgress, progress => forest is null
            ? new OverlayScenario(config).Run(progress)
            : new ForestScenario(config, forest).Run(progress));
}
