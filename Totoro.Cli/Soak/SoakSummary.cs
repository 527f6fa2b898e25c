using System.Globalization;
using System.Text.RegularExpressions;

namespace Totoro.Cli.Soak;

/// <summary>The soak's verdict and its figures (soak-summary.json): what was thrown, what was kept, what was lost.</summary>
internal sealed partial record SoakSummary
{
    public required int Hosts { get; init; }

    public required int NodesPerHost { get; init; }

    public required double Minutes { get; init; }

    public required double LossPercent { get; init; }

    public required int DelayMs { get; init; }

    /// <summary>"netem", or "receive path" where the kernel has no netem and each host impairs what it receives.</summary>
    public required string Impairment { get; init; }

    public required ulong Seed { get; init; }

    public required double ChaosSeconds { get; init; }

    public required int Kills { get; init; }

    public required int Leaves { get; init; }

    public required int Cuts { get; init; }

    public required int Lookups { get; init; }

    public required int LookupsCorrect { get; init; }

    public required int LookupsWrong { get; init; }

    public required int LookupsFailed { get; init; }

    public required int LookupsUnanswered { get; init; }

    public double LookupSuccess => Lookups == 0 ? 0 : LookupsCorrect / (double)Lookups;

    public required int AppsSubmitted { get; init; }

    public required int AppsFinished { get; init; }

    public required int RoundsCompleted { get; init; }

    /// <summary>Masters started from a replica ("took over as master" in the hosts' logs).</summary>
    public required int TakeOvers { get; init; }

    /// <summary>Take-overs without the model ("WITHOUT its model" in the logs) plus apps whose round fell back.</summary>
    public required int ModelsLost { get; init; }

    public required double MaxRssMiB { get; init; }

    /// <summary>Mean CPU use of one host over the run, in cores.</summary>
    public required double MeanHostCpu { get; init; }

    public required IReadOnlyList<string> Failures { get; init; }

    /// <summary>Up to 20 lookups that were wrong, failed or unanswered, and each app's end.</summary>
    public required IReadOnlyList<string> Details { get; init; }

    public bool Passed => Failures.Count == 0;

    /// <summary>The bar the issue sets: 99.9% of lookups correct during the run.</summary>
    public const double LookupBar = 0.999;

    /// <summary>
    /// Apps that finished every round yet learned nothing: the soak's logistic regression on LEAF synthetic data ends at
    /// 74–94% under chaos and starts at 3–12%, so a final accuracy below half means its rounds got no updates.
    /// </summary>
    public int AppsUntrained { get; init; }

    /// <summary>The final accuracy below which a finished app counts as untrained (<see cref="AppsUntrained"/>).</summary>
    public const double TrainedBar = 0.5;

    /// <summary>Finished apps below <see cref="TrainedBar"/> (an accuracy never reported counts as below), each as "name (accuracy)".</summary>
    public static string[] Untrained(IEnumerable<SoakApp> apps)
        => [.. apps.Where(a => a.Finished && !(a.Accuracy >= TrainedBar)).Select(a => string.Create(CultureInfo.InvariantCulture, $"{a.Name} ({a.Accuracy:F4})"))];

    public static SoakSummary From(SoakOptions options, bool netem, SoakState state, IReadOnlyList<SoakApp> apps,
        IReadOnlyList<LookupRecord> lookups, IReadOnlyList<SoakHostSample> samples, double chaosSeconds)
    {
        string logDir = Path.Combine(options.OutDir, "hosts");
        string[] logs = [.. Directory.EnumerateFiles(logDir, "h*.log").Select(File.ReadAllText)];
        int takeOvers = logs.Sum(l => TookOver().Count(l));
        int withoutModel = logs.Sum(l => WithoutModel().Count(l));
        // Each app starts round 1 once; a start after one of its rounds completed anywhere began it afresh (lost model).
        string[] restarted = [.. StartedAfresh(Directory.EnumerateFiles(logDir, "h*.log"))];
        var failures = new List<string>();
        string[] untrained = Untrained(apps);
        int lost = apps.Count(a => a.Lost is not null && a.Lost.Contains("model", StringComparison.Ordinal));
        var summary = new SoakSummary
        {
            Hosts = options.Hosts,
            NodesPerHost = options.NodesPerHost,
            Minutes = options.Minutes,
            LossPercent = options.LossPercent,
            DelayMs = options.DelayMs,
            Impairment = netem ? "netem" : "receive path",
            Seed = options.Seed,
            ChaosSeconds = Math.Round(chaosSeconds, 1),
            Kills = state.Notes.Count(n => n.Contains("kill -9 host", StringComparison.Ordinal)),
            Leaves = state.Notes.Count(n => n.Contains("left gracefully", StringComparison.Ordinal)),
            Cuts = state.Notes.Count(n => n.Contains("cut off from the bridge", StringComparison.Ordinal)),
            Lookups = lookups.Count,
            LookupsCorrect = lookups.Count(r => r.Outcome == LookupOutcome.Correct),
            LookupsWrong = lookups.Count(r => r.Outcome == LookupOutcome.Wrong),
            LookupsFailed = lookups.Count(r => r.Outcome == LookupOutcome.Failed),
            LookupsUnanswered = lookups.Count(r => r.Outcome == LookupOutcome.Unanswered),
            AppsSubmitted = apps.Count,
            AppsFinished = apps.Count(a => a.Finished),
            RoundsCompleted = apps.Sum(a => a.MaxRound),
            TakeOvers = takeOvers,
            ModelsLost = withoutModel + lost + restarted.Length,
            AppsUntrained = untrained.Length,
            MaxRssMiB = samples.Where(s => !double.IsNaN(s.RssMiB)).Select(s => s.RssMiB).DefaultIfEmpty(0).Max(),
            MeanHostCpu = Math.Round(samples.GroupBy(s => s.Host).Average(g => CpuOf(g.ToList())), 3),
            Failures = failures,
            Details = [
                .. lookups.Where(r => r.Outcome != LookupOutcome.Correct).Take(20).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.At:F1} s lookup {r.Outcome}: {r.Detail}")),
                .. apps.Select(a => a.Finished
                    ? string.Create(CultureInfo.InvariantCulture, $"{a.Name}: finished {a.MaxRound} rounds in {a.FinishedAt - a.SubmittedAt:F0} s, accuracy {a.Accuracy:F4}, master moved {a.RootMoves}×")
                    : $"{a.Name}: NOT finished (round {a.MaxRound}){(a.Lost is null ? "" : ": " + a.Lost)}"),
            ],
        };

        if (apps.Count == 0)
            failures.Add("no app was submitted: the soak tested no training");
        if (apps.Count(a => !a.Finished) is > 0 and int unfinished)
            failures.Add($"{unfinished} of {apps.Count} apps did not finish");
        if (untrained.Length > 0)
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{untrained.Length} app(s) finished below {TrainedBar:P0} accuracy, so their rounds got no updates: {string.Join(", ", untrained)}"));
        if (summary.ModelsLost > 0)
            failures.Add($"{summary.ModelsLost} model(s) lost ({withoutModel} take-over(s) WITHOUT the model in the logs, {lost} app(s) whose round fell back, {restarted.Length} app(s) started afresh: {string.Join(", ", restarted)})");
        if (lookups.Count == 0)
            failures.Add("no lookup was checked");
        else if (summary.LookupSuccess < LookupBar)
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"lookups {summary.LookupSuccess:P2} correct ({summary.LookupsWrong} wrong, {summary.LookupsFailed} failed, {summary.LookupsUnanswered} unanswered), below {LookupBar:P1}"));
        return summary;
    }

    /// <summary>
    /// Apps whose master started round 1 after some master had completed a round of them: every log line is put on the
    /// soak's clock (a host's lines count from its latest "=== soak: start … at T s" marker).
    /// </summary>
    private static IEnumerable<string> StartedAfresh(IEnumerable<string> logs)
    {
        var firstRound = new Dictionary<string, double>();
        var starts = new List<(string App, double At)>();
        foreach (string path in logs)
        {
            double offset = 0;
            foreach (string line in File.ReadLines(path))
            {
                if (SoakStart().Match(line) is { Success: true } marker)
                {
                    offset = double.Parse(marker.Groups[1].Value, CultureInfo.InvariantCulture);
                    continue;
                }

                if (RoundDone().Match(line) is { Success: true } round)
                {
                    double at = offset + double.Parse(round.Groups[1].Value, CultureInfo.InvariantCulture);
                    string app = round.Groups[2].Value;
                    firstRound[app] = Math.Min(firstRound.GetValueOrDefault(app, double.MaxValue), at);
                }
                else if (FreshStart().Match(line) is { Success: true } start)
                {
                    starts.Add((start.Groups[2].Value, offset + double.Parse(start.Groups[1].Value, CultureInfo.InvariantCulture)));
                }
            }
        }

        return starts.Where(s => firstRound.TryGetValue(s.App, out double first) && first < s.At).Select(s => s.App).Distinct();
    }

    [GeneratedRegex(@"^=== soak: start \d+ at ([0-9.]+) s")]
    private static partial Regex SoakStart();

    [GeneratedRegex(@"^([0-9.]+) \w+ app (\S+) round \d+/\d+:")]
    private static partial Regex RoundDone();

    /// <summary>CPU cores one host used: CPU seconds over wall seconds, summed over its runs (each restart starts at 0).</summary>
    private static double CpuOf(List<SoakHostSample> samples)
    {
        double cpu = 0, wall = 0;
        for (int i = 1; i < samples.Count; i++)
        {
            SoakHostSample a = samples[i - 1], b = samples[i];
            if (double.IsNaN(a.CpuSeconds) || double.IsNaN(b.CpuSeconds) || b.Starts != a.Starts)
                continue;
            cpu += b.CpuSeconds - a.CpuSeconds;
            wall += b.Seconds - a.Seconds;
        }

        return wall == 0 ? 0 : cpu / wall;
    }

    [GeneratedRegex("took over as master")]
    private static partial Regex TookOver();

    [GeneratedRegex(@"^([0-9.]+) \w+ app (\S+): a node here is its master and starts round 1")]
    private static partial Regex FreshStart();

    [GeneratedRegex("WITHOUT its model")]
    private static partial Regex WithoutModel();
}
