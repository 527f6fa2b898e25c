using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>
/// Runs an experiment's points in parallel (heaviest first, each on its own seed, so the results do not depend on
/// the schedule), then writes points.csv, the kind's own files, the YAML's plots and summary.json.
/// </summary>
internal static class ExperimentRunner
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep § and × readable
    };

    public static ExperimentSummary Run(Experiment experiment, string directory, int jobs, ProgressBar? bar)
    {
        Directory.CreateDirectory(directory);
        IReadOnlyList<ExperimentPoint> points = experiment.Points;
        var results = new PointResult[points.Count];
        var wall = new double[points.Count];
        int done = 0;
        var gate = new object();
        void Report()
        {
            lock (gate)
                bar?.Report(new SimProgress(experiment.Spec.Name, done, points.Count));
        }

        void ReportInner(SimProgress progress)
        {
            lock (gate)
                bar?.Report(progress);
        }

        if (points.Count > 1)
            Report(); // one point alone shows its first phase instead (a "0/1" phase would be drawn as ended when it begins)
        var clock = Stopwatch.StartNew();
        int[] order = Enumerable.Range(0, points.Count).OrderByDescending(i => experiment.Kind.Cost(points[i].Parameters)).ThenBy(i => i).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs) };
        try
        {
            Parallel.ForEach(Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering), options, i => RunPoint(i));
        }
        catch (AggregateException ex)
        {
            // Report the first point's failure as itself (a usage error stays one line, exit code 2).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        void RunPoint(int i)
        {
            var pointClock = Stopwatch.StartNew();
            try
            {
                // One point alone shows its own phases (a long training run's rounds), not 0/1 for its whole run.
                results[i] = experiment.Kind.Run(points[i].Parameters, points[i].Seed, points.Count == 1 ? ReportInner : _ => Report());
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"{experiment.File}: point {points[i].Label}: {ex.Message}");
            }

            wall[i] = pointClock.Elapsed.TotalSeconds;
            Interlocked.Increment(ref done);
            Report();
        }

        clock.Stop();

        var files = new List<string>(experiment.Kind.WriteOutputs(results, directory));
        List<object> rows = results.Select(r => r.Row).ToList();
        foreach (PlotSpec plot in experiment.Spec.Plots)
        {
            string png = Path.Combine(directory, plot.File);
            ExperimentPlot.Write(png, plot, rows, experiment.Kind.RowType);
            files.Add(png);
        }

        string summaryPath = Path.Combine(directory, "summary.json");
        files.Add(summaryPath);
        var summary = new ExperimentSummary(
            experiment.Spec.Name,
            experiment.Spec.Title,
            experiment.Spec.Paper,
            experiment.Kind.Name,
            experiment.File,
            experiment.Form,
            points.Count,
            Math.Max(1, jobs),
            Math.Round(clock.Elapsed.TotalSeconds, 2),
            Math.Round(wall.Sum(), 2),
            files.Select(f => Path.GetFileName(f)).ToList(),
            points.Select((p, i) => new PointSummary(p.Label, p.Seed, Math.Round(wall[i], 3), results[i].Row)).ToList());
        File.WriteAllText(summaryPath, JsonSerializer.Serialize(summary, Json) + Environment.NewLine);
        return summary;
    }
}
