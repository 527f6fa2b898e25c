using System.Globalization;
using System.Text.Json;
using CsvHelper;
using ScottPlot;

namespace Totoro.Cli.Soak;

/// <summary>
/// What a soak leaves in its folder: soak.csv (the run every few seconds), soak-hosts.csv (each host's state, CPU and
/// memory), soak-summary.json (figures and verdict), soak-events.txt (everything that happened, in order), and two
/// plots: soak.png (rounds, lookups and hosts up over time, chaos marked) and soak-hosts.png (memory per host).
/// </summary>
internal static class SoakReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Write(string dir, SoakSummary summary, IReadOnlyList<SoakTimelineRow> timeline, IReadOnlyList<SoakHostSample> samples,
        IReadOnlyList<(double At, ChaosEvent Event, int Host)> chaos, IReadOnlyList<string> notes)
    {
        WriteCsv(Path.Combine(dir, "soak.csv"), timeline);
        WriteCsv(Path.Combine(dir, "soak-hosts.csv"), samples);
        File.WriteAllText(Path.Combine(dir, "soak-summary.json"), JsonSerializer.Serialize(summary, Json) + "\n");
        File.WriteAllLines(Path.Combine(dir, "soak-events.txt"), notes);
        if (timeline.Count > 1)
        {
            PlotRun(Path.Combine(dir, "soak.png"), summary, timeline, chaos);
            PlotHosts(Path.Combine(dir, "soak-hosts.png"), samples, chaos);
        }
    }

    /// <summary>Refuses a markdown file without the soak's block, so a long run is not wasted on a typo.</summary>
    public static void CheckReadmeBlock(FileInfo file)
    {
        if (!file.Exists)
            throw new UsageException($"--readme {file.FullName}: no such file");
        string text = File.ReadAllText(file.FullName);
        int begin = text.IndexOf(BlockBegin, StringComparison.Ordinal), end = text.IndexOf(BlockEnd, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
            throw new UsageException($"--readme {file.FullName} has no {BlockBegin} … {BlockEnd} block for the soak's figures");
    }

    /// <summary>The summary an earlier run left in <paramref name="dir"/>.</summary>
    public static SoakSummary ReadSummary(string dir)
    {
        string path = Path.Combine(dir, "soak-summary.json");
        if (!File.Exists(path))
            throw new UsageException($"{path}: no such file (run the soak with --out {dir} first)");
        try
        {
            return JsonSerializer.Deserialize<SoakSummary>(File.ReadAllText(path), Json)
                ?? throw new UsageException($"{path} holds no soak summary");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not a soak summary: {e.Message}");
        }
    }

    private const string BlockBegin = "<!-- soak:begin -->", BlockEnd = "<!-- soak:end -->";

    /// <summary>
    /// Rewrites the block between <c>&lt;!-- soak:begin --&gt;</c> and <c>&lt;!-- soak:end --&gt;</c> in a markdown file
    /// with the summary's figures, so a README quotes the committed run and never a number typed by hand.
    /// </summary>
    public static void WriteReadmeBlock(string path, string resultsDir, SoakSummary s)
    {
        const string Begin = BlockBegin, End = BlockEnd;
        string text = File.ReadAllText(path);
        int begin = text.IndexOf(Begin, StringComparison.Ordinal), end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
            throw new InvalidDataException($"{path} has no {Begin} … {End} block for the soak's figures");
        string block = string.Create(CultureInfo.InvariantCulture, $"""
            {Begin}
            | what | figure |
            |---|---|
            | hosts × logical nodes | {s.Hosts} × {s.NodesPerHost} (network namespaces on one bridge) |
            | links | {s.LossPercent}% loss, {s.DelayMs} ms delay ({s.Impairment}) |
            | chaos | {s.ChaosSeconds / 60:F1} min: {s.Kills} kill -9 + restart, {s.Leaves} graceful leaves + restart, {s.Cuts} namespace cuts (seed {s.Seed}) |
            | apps | {s.AppsFinished} of {s.AppsSubmitted} finished, {s.RoundsCompleted} rounds, {s.TakeOvers} take-overs |
            | models lost | {s.ModelsLost} |
            | lookups | {s.LookupsCorrect} of {s.Lookups} correct ({s.LookupSuccess:P2}); {s.LookupsWrong} wrong, {s.LookupsFailed} failed, {s.LookupsUnanswered} unanswered |
            | hosts | max RSS {s.MaxRssMiB:F0} MiB, mean CPU {s.MeanHostCpu:F2} cores each |
            | verdict | {(s.Passed ? "passed" : "FAILED: " + string.Join("; ", s.Failures))} |

            Written by `totoro soak … --readme` from `{resultsDir}` (soak.csv, soak-hosts.csv, soak-summary.json, soak-events.txt, soak.png, soak-hosts.png).
            {End}
            """);
        File.WriteAllText(path, text[..begin] + block + text[(end + End.Length)..]);
    }

    private static void WriteCsv<T>(string path, IEnumerable<T> rows)
    {
        using var writer = new StreamWriter(path);
        using CsvWriter csv = CsvWriter.Create(writer);
        csv.WriteRecords(rows);
    }

    private static void PlotRun(string path, SoakSummary summary, IReadOnlyList<SoakTimelineRow> timeline, IReadOnlyList<(double At, ChaosEvent Event, int Host)> chaos)
    {
        var plot = new Plot();
        double[] minutes = [.. timeline.Select(r => r.Seconds / 60)];
        var rounds = plot.Add.Scatter(minutes, timeline.Select(r => (double)r.Rounds).ToArray());
        rounds.LegendText = "rounds completed (all apps)";
        rounds.MarkerSize = 0;
        var lookups = plot.Add.Scatter(minutes, timeline.Select(r => r.Lookups / 10.0).ToArray());
        lookups.LegendText = "lookups checked / 10";
        lookups.MarkerSize = 0;
        var bad = plot.Add.Scatter(minutes, timeline.Select(r => (double)(r.LookupsWrong + r.LookupsFailed) * 10).ToArray());
        bad.LegendText = "lookups wrong or failed × 10";
        bad.MarkerSize = 0;
        var up = plot.Add.Scatter(minutes, timeline.Select(r => r.HostsUp * 10.0).ToArray());
        up.LegendText = "hosts up × 10";
        up.MarkerSize = 0;
        up.LinePattern = LinePattern.Dotted;
        MarkChaos(plot, chaos);
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Soak: {summary.Hosts} hosts × {summary.NodesPerHost} nodes, {summary.LossPercent}% loss, {summary.DelayMs} ms; {summary.Kills} kills, {summary.Leaves} leaves, {summary.Cuts} cuts; lookups {summary.LookupSuccess:P2}"));
        plot.XLabel("minutes (red: kill -9, orange: leave, purple: cut off and back)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1100, 600);
    }

    private static void PlotHosts(string path, IReadOnlyList<SoakHostSample> samples, IReadOnlyList<(double At, ChaosEvent Event, int Host)> chaos)
    {
        var plot = new Plot();
        foreach (IGrouping<int, SoakHostSample> host in samples.Where(s => !double.IsNaN(s.RssMiB)).GroupBy(s => s.Host))
        {
            var line = plot.Add.Scatter(host.Select(s => s.Seconds / 60).ToArray(), host.Select(s => s.RssMiB).ToArray());
            line.MarkerSize = 0;
        }

        MarkChaos(plot, chaos);
        plot.Title("Resident memory of each host (MiB); a restarted host starts again from its baseline");
        plot.XLabel("minutes");
        plot.YLabel("RSS (MiB)");
        plot.SavePng(path, 1100, 500);
    }

    private static void MarkChaos(Plot plot, IReadOnlyList<(double At, ChaosEvent Event, int Host)> chaos)
    {
        foreach ((double at, ChaosEvent e, _) in chaos)
        {
            Color color = e.Kind switch { ChaosKind.Kill => Colors.Red, ChaosKind.Leave => Colors.Orange, _ => Colors.Purple };
            var line = plot.Add.VerticalLine(at / 60, 1, color);
            line.LinePattern = LinePattern.Dashed;
            if (e.Kind == ChaosKind.Cut)
                plot.Add.VerticalLine((at + e.Seconds) / 60, 1, color);
        }
    }
}
