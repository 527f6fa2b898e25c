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

    /// <summary>The apps it submitted that did not finish, by name.</summary>
    public IReadOnlyList<string> Unfinished { get; init; } = [];

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
        (string[] restarted, string[] splitByCut) = StartedAfresh(Directory.EnumerateFiles(logDir, "h*.log"), CutWindows(state.Notes));
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
            AppsSplitByCut = splitByCut.Length,
            AppsUntrained = untrained.Length,
            MaxRssMiB = samples.Where(s => !double.IsNaN(s.RssMiB)).Select(s => s.RssMiB).DefaultIfEmpty(0).Max(),
            MeanHostCpu = Math.Round(samples.GroupBy(s => s.Host).Average(g => CpuOf(g.ToList())), 3),
            Failures = failures,
            Unfinished = [.. apps.Where(a => !a.Finished).Select(a => a.Name)],
            Details = [
                .. lookups.Where(r => r.Outcome != LookupOutcome.Correct).Take(20).Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.At:F1} s lookup {r.Outcome}: {r.Detail}")),
                .. apps.Select(a => a.Finished
                    ? string.Create(CultureInfo.InvariantCulture, $"{a.Name}: finished {a.MaxRound} rounds in {a.FinishedAt - a.SubmittedAt:F0} s, accuracy {a.Accuracy:F4}, master moved {a.RootMoves}×")
                    : $"{a.Name}: NOT finished (round {a.MaxRound}){(a.Lost is null ? "" : ": " + a.Lost)}; last status {a.LastSeen ?? "none"}"),
                .. splitByCut.Select(a => $"{a}: started afresh while its only rounds were on a host cut off from the rest (it trained on both sides of the cut; the root closest to the app kept its own run after the heal)"),
            ],
        };

        if (apps.Count == 0)
            failures.Add("no app was submitted: the soak tested no training");
        if (apps.Count(a => !a.Finished) is > 0 and int unfinished)
            failures.Add($"{unfinished} of {apps.Count} apps did not finish ({string.Join("; ", apps.Where(a => !a.Finished).Select(a => $"{a.Name}, submitted at {a.SubmittedAt.ToString("F1", CultureInfo.InvariantCulture)} s, last status {a.LastSeen ?? "none"}"))})");
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
    /// Apps that started on both sides of a cut: every round of the app completed before a fresh start elsewhere was
    /// made on one host while it was cut off from the bridge, in the cut still going on at the start. No replica could
    /// leave that host, so the rest of the overlay rightly took the app for one that never ran; not a lost model, and
    /// counted apart (<see cref="StartedAfresh"/>).
    /// </summary>
    public int AppsSplitByCut { get; init; }

    /// <summary>A host's time cut off from the bridge, on the soak's clock (<paramref name="To"/> infinite: never reconnected).</summary>
    internal readonly record struct CutWindow(int Host, double From, double To);

    /// <summary>The cuts as the soak's notes tell them ("host N cut off from the bridge …", then "host N reconnected").</summary>
    internal static List<CutWindow> CutWindows(IEnumerable<string> notes)
    {
        var windows = new List<CutWindow>();
        foreach (string note in notes)
        {
            if (CutNote().Match(note) is not { Success: true } m)
                continue;
            int host = int.Parse(m.Groups["host"].Value, CultureInfo.InvariantCulture);
            double at = double.Parse(m.Groups["at"].Value, CultureInfo.InvariantCulture);
            if (m.Groups["what"].Value == "cut off from the bridge")
                windows.Add(new CutWindow(host, at, double.PositiveInfinity));
            else if (windows.FindLastIndex(w => w.Host == host && double.IsPositiveInfinity(w.To)) is int open and >= 0)
                windows[open] = windows[open] with { To = at };
        }

        return windows;
    }

    /// <summary>
    /// Apps whose master started round 1 after some master had completed a round of them (lost models), and apart from
    /// them those whose earlier rounds were all made inside one cut-off host during the cut the start fell in (split by
    /// the cut): every log line is put on the soak's clock (a host's lines count from its latest "=== soak: start … at
    /// T s" marker; a host is hN.log's N).
    /// </summary>
    internal static (string[] Lost, string[] SplitByCut) StartedAfresh(IEnumerable<string> logs, IReadOnlyList<CutWindow> cuts)
    {
        var rounds = new List<(string App, double At, int Host)>();
        var starts = new List<(string App, double At, int Host)>();
        foreach (string path in logs)
        {
            int host = HostLog().Match(Path.GetFileName(path)) is { Success: true } name ? int.Parse(name.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
            double offset = 0;
            foreach (string line in File.ReadLines(path))
            {
                if (SoakStart().Match(line) is { Success: true } marker)
                {
                    offset = double.Parse(marker.Groups[1].Value, CultureInfo.InvariantCulture);
                    continue;
                }

                if (RoundDone().Match(line) is { Success: true } round)
                    rounds.Add((round.Groups[2].Value, offset + double.Parse(round.Groups[1].Value, CultureInfo.InvariantCulture), host));
                else if (FreshStart().Match(line) is { Success: true } start)
                    starts.Add((start.Groups[2].Value, offset + double.Parse(start.Groups[1].Value, CultureInfo.InvariantCulture), host));
            }
        }

        var lost = new List<string>();
        var split = new List<string>();
        foreach ((string app, double at, int host) in starts)
        {
            var before = rounds.Where(r => r.App == app && r.At < at).ToList();
            if (before.Count == 0)
                continue;
            bool acrossCut = before.Select(r => r.Host).Distinct().Count() == 1 && before[0].Host != host
                && cuts.Any(c => c.Host == before[0].Host && c.From <= at && at <= c.To && before.All(r => c.From <= r.At));
            (acrossCut ? split : lost).Add(app);
        }

        return ([.. lost.Distinct()], [.. split.Distinct().Except(lost)]);
    }

    [GeneratedRegex(@"^h(\d+)\.log$")]
    private static partial Regex HostLog();

    [GeneratedRegex(@"^\s*(?<at>[0-9.]+) s  host (?<host>\d+) (?<what>cut off from the bridge|reconnected)")]
    private static partial Regex CutNote();

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
