using Totoro.Core.Learning;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// The `learning` section of a sim report. <see cref="Mode"/> says where accuracies came from: `real` (models
/// trained and evaluated in this run) or `timing` (sizes only; accuracy replayed from a real run's curve).
/// <see cref="TotalTrainingSeconds"/> runs until the last app reached its target or finished its rounds.
/// </summary>
public sealed record LearningSection(
    string System,
    string Mode,
    string Model,
    string Dataset,
    string Partition,
    string Rule,
    string Selection,
    bool Isolated,
    int Apps,
    int WorkersPerApp,
    int ClientsPerRound,
    int Parameters,
    double TargetAccuracy,
    double TotalTrainingSeconds,
    double MeanRoundSeconds,
    IReadOnlyList<AppLearningReport> PerApp);

/// <summary>One app: rounds completed, final accuracy, time to the target (null if never reached), mean round time.</summary>
public sealed record AppLearningReport(
    string App,
    int Rounds,
    double FinalAccuracy,
    double? TimeToTargetSeconds,
    double RoundSeconds,
    double TotalSeconds,
    IReadOnlyList<RoundRecord> History);

internal static class LearningReports
{
    public static LearningSection Build(LearningSimConfig config, int parameters, IReadOnlyList<(string Name, FederatedMaster Master, double StartSeconds)> apps)
    {
        var perApp = new List<AppLearningReport>();
        foreach ((string name, FederatedMaster master, double start) in apps)
        {
            IReadOnlyList<RoundRecord> history = master.History;
            double total = history.Count == 0 ? 0 : history[^1].EndSeconds;
            double? toTarget = master.TargetReachedSeconds;
            perApp.Add(new AppLearningReport(
                name,
                history.Count,
                double.IsNaN(master.FinalAccuracy) ? 0 : master.FinalAccuracy,
                toTarget is { } t ? Math.Round(t, 3) : null,
                history.Count == 0 ? 0 : Math.Round(history.Average(r => r.RoundSeconds), 4),
                Math.Round(total, 3),
                history));
        }

        AppSpec spec = config.Template;
        return new LearningSection(
            config.System,
            config.IsTiming ? "timing" : "real",
            spec.Model,
            spec.Dataset,
            spec.Partition.ToString(),
            spec.Rule,
            spec.Selection,
            config.Isolated,
            config.Apps,
            spec.Workers,
            spec.Participants,
            parameters,
            spec.TargetAccuracy,
            perApp.Count == 0 ? 0 : Math.Round(perApp.Max(a => a.TimeToTargetSeconds ?? a.TotalSeconds), 3),
            perApp.Count == 0 ? 0 : Math.Round(perApp.Average(a => a.RoundSeconds), 4),
            perApp);
    }
}
