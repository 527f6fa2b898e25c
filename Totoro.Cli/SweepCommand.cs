using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>
/// `totoro sweep`: one sim per node count, each in a child process so that every point's peak memory is its own;
/// the results go to DIR/sweep.csv and DIR/hops.png.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var options = new SimOptions();
        var nodes = new Option<string>("--nodes")
        {
            Description = "Comma-separated node counts, e.g. 1000,10000,100000,1000000",
            DefaultValueFactory = _ => "1000,10000,100000",
        };
        var command = new Command("sweep", "Run one sim per node count; write DIR/sweep.csv and DIR/hops.png (DIR: --out, default out/sweep)");
        command.Options.Add(nodes);
        options.AddTo(command);
        command.SetAction(parsed =>
        {
            int[] counts = ParseCounts(parsed.GetValue(nodes)!);
            foreach (int n in counts)
                options.ToConfig(parsed, n); // validate every point before running any
            // results/ holds committed results: writing there is a choice (--out results/sweep), not a default.
            DirectoryInfo outDir = OutputFolder.Prepare("--out", parsed.GetValue(options.Out)?.ToString() ?? Path.Combine("out", "sweep"));
            bool json = parsed.GetValue(options.Json);

            var rows = new List<SweepRow>();
            bool allCorrect = true;
            for (int i = 0; i < counts.Length; i++)
            {
                Console.Error.WriteLine($"[{i + 1}/{counts.Length}] sim --nodes {counts[i]:N0} ...");
                SimReport report = RunChild(counts[i], parsed, options);
                rows.Add(SweepRow.From(report));
                allCorrect &= report.Overlay.Correct == report.Overlay.Lookups;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"      {report.Overlay.Correct:N0}/{report.Overlay.Lookups:N0} correct, mean hops {report.Overlay.MeanHops:F3}, p99 {report.Overlay.P99Hops}, {report.Run.WallSeconds:F1} s, {report.Run.BytesPerNode:F0} B/node"));
            }

            string csv = Path.Combine(outDir.FullName, "sweep.csv");
            string png = Path.Combine(outDir.FullName, "hops.png");
            SweepCsv.Write(csv, rows);
            SweepPlot.WriteHops(png, rows);
            if (json)
                Console.Out.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true }));
            else
                Console.Out.WriteLine($"Wrote {csv} and {png}");
            return allCorrect ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    internal static int[] ParseCounts(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            throw new UsageException("--nodes needs at least one count, e.g. --nodes 1000,10000");
        var counts = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out counts[i]) || counts[i] < 1)
                throw new UsageException($"--nodes must list positive whole numbers separated by commas ('{parts[i]}' is not one)");
        }

        return counts;
    }

    private static SimReport RunChild(int nodes, ParseResult parsed, SimOptions options)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path to start a child sim.");
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(typeof(SweepCommand).Assembly.Location);
        foreach (string arg in (string[])["sim", "--json", "--nodes", nodes.ToString(CultureInfo.InvariantCulture),
            "--b", parsed.GetValue(options.B).ToString(CultureInfo.InvariantCulture),
            "--leaf-set", parsed.GetValue(options.LeafSet).ToString(CultureInfo.InvariantCulture),
            "--lookups", parsed.GetValue(options.Lookups).ToString(CultureInfo.InvariantCulture),
            "--seed", parsed.GetValue(options.Seed).ToString(CultureInfo.InvariantCulture),
            "--topology", parsed.GetValue(options.Topology) ?? "flat",
            "--zones", parsed.GetValue(options.Zones).ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        if (parsed.GetValue(options.ZoneLocalFraction) is { } fraction)
        {
            start.ArgumentList.Add("--zone-local-fraction");
            start.ArgumentList.Add(fraction.ToString("R", CultureInfo.InvariantCulture));
        }

        foreach ((Option<double?> option, string name) in new[] { (options.UplinkMbps, "--uplink-mbps"), (options.DownlinkMbps, "--downlink-mbps") })
        {
            if (parsed.GetValue(option) is { } mbps)
            {
                start.ArgumentList.Add(name);
                start.ArgumentList.Add(mbps.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("Could not start a child sim.");
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode is not (ExitCodes.Ok or ExitCodes.Failed))
            throw new InvalidOperationException($"The sim with {nodes} nodes exited with code {child.ExitCode}: {stderr.Result.Trim()}");
        return ReportJson.Deserialize(stdout)
            ?? throw new InvalidOperationException($"The sim with {nodes} nodes printed no report.");
    }
}
