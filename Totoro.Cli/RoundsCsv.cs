using CsvHelper;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>rounds.csv: one row per app and round (simulated time, accuracy, loss, participants). Timing runs replay it.</summary>
internal static class RoundsCsv
{
    public static void Write(string path, LearningSection learning)
    {
        var rows = learning.PerApp.SelectMany(app => app.History.Select(r => new RoundRow(
            app.App, r.Round, Math.Round(r.EndSeconds, 4), Math.Round(r.RoundSeconds, 4), r.Accuracy, r.Loss, r.Participants, r.Contributions, learning.System, learning.Mode)));
        using var writer = new StreamWriter(path);
        using CsvWriter csv = CsvWriter.Create(writer);
        csv.WriteRecords(rows);
    }
}

/// <summary>One round of one app.</summary>
[CsvRecord]
internal sealed partial record RoundRow(string App, int Round, double TimeSeconds, double RoundSeconds, double Accuracy, double Loss, int Participants, long Contributions, string System, string Mode);
