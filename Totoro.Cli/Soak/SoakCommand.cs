using System.CommandLine;
using System.Globalization;

namespace Totoro.Cli.Soak;

/// <summary>
/// `totoro soak`: real hosts in network namespaces under a seeded chaos schedule (kill -9 and restart, graceful
/// leaves, a namespace cut off), apps training and lookups checked throughout; exits 1 if any app, model or more than
/// 0.1% of lookups was lost. Needs root (namespaces).
/// </summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--short") { Description = "The few-minute form CI runs: 6 hosts × 4 nodes, 2.5 minutes, 2 apps, chaos every 20–30 s, one cut (other options still apply)" };
        var hosts = new Option<int>("--hosts") { Description = "Hosts, each in its own network namespace (default 20)" };
        var nodes = new Option<int>("--logical-nodes") { Description = "Logical nodes per host (default 8)" };
        var minutes = new Option<double>("--minutes") { Description = "How long the chaos lasts (default 15); apps then get --grace to finish" };
        var loss = new Option<double>("--loss") { Description = "Percent of packets lost on every link (default 2)" };
        var delay = new Option<int>("--delay-ms") { Description = "Delay added on every link (default 10)" };
        var apps = new Option<int>("--apps") { Description = "Apps training at once, each replaced when it finishes while time allows (default 5)" };
        var rounds = new Option<int>("--app-rounds") { Description = "Rounds of each app (default 100)" };
        var every = new Option<string?>("--chaos-every") { Description = "MIN-MAX seconds between kills and leaves (default 30-60)" };
        var cuts = new Option<int>("--cuts") { Description = "Times one namespace is cut off from the bridge (default 2)" };
        var cutSeconds = new Option<double>("--cut-seconds") { Description = "How long a cut lasts (default 30)" };
        var lookups = new Option<double>("--lookups-per-second") { Description = "Lookups checked per second (default 4)" };
        var ping = new Option<int>("--ping-period-ms") { Description = "The hosts' leaf-set keep-alive period (default 2000)" };
        var grace = new Option<double>("--grace") { Description = "Seconds apps still training when the chaos ends get to finish (default 180)" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the chaos schedule, the apps and the lookups' keys (default 1)" };
        var readme = new Option<FileInfo?>("--readme") { Description = "Also write the figures into this markdown file, between <!-- soak:begin --> and <!-- soak:end -->" };
        var reportOnly = new Option<bool>("--report-only") { Description = "Do not run: write the --readme block from the soak-summary.json of an earlier run in --out" };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Folder for soak.csv, soak-hosts.csv, soak-summary.json, soak-events.txt, the plots and the hosts' logs (default out/soak)" };
        var command = new Command("soak", "Chaos soak of real mode: hosts in network namespaces, apps training, kill -9/restart, leaves and cut-off namespaces on a seeded schedule; exits 1 if anything was lost (needs root)")
        {
            quick, hosts, nodes, minutes, loss, delay, apps, rounds, every, cuts, cutSeconds, lookups, ping, grace, seed, outDir, readme, reportOnly,
        };
        command.SetAction(parsed =>
        {
            SoakOptions options = parsed.GetValue(quick) ? SoakOptions.Short : new SoakOptions();
            options = options with
            {
                Hosts = Given(hosts) ? parsed.GetValue(hosts) : options.Hosts,
                NodesPerHost = Given(nodes) ? parsed.GetValue(nodes) : options.NodesPerHost,
                Minutes = Given(minutes) ? parsed.GetValue(minutes) : options.Minutes,
                LossPercent = Given(loss) ? parsed.GetValue(loss) : options.LossPercent,
                DelayMs = Given(delay) ? parsed.GetValue(delay) : options.DelayMs,
                Apps = Given(apps) ? parsed.GetValue(apps) : options.Apps,
                AppRounds = Given(rounds) ? parsed.GetValue(rounds) : options.AppRounds,
                Cuts = Given(cuts) ? parsed.GetValue(cuts) : options.Cuts,
                CutSeconds = Given(cutSeconds) ? parsed.GetValue(cutSeconds) : options.CutSeconds,
                LookupsPerSecond = Given(lookups) ? parsed.GetValue(lookups) : options.LookupsPerSecond,
                PingPeriodMs = Given(ping) ? parsed.GetValue(ping) : options.PingPeriodMs,
                GraceSeconds = Given(grace) ? parsed.GetValue(grace) : options.GraceSeconds,
                Seed = Given(seed) ? parsed.GetValue(seed) : options.Seed,
                OutDir = parsed.GetValue(outDir)?.FullName ?? Path.GetFullPath(options.OutDir),
            };
            if (parsed.GetValue(every) is { } range)
            {
                string[] parts = range.Split('-');
                if (parts.Length != 2 || !double.TryParse(parts[0], CultureInfo.InvariantCulture, out double low) || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out double high))
                    throw new UsageException($"--chaos-every must be MIN-MAX seconds, e.g. 30-60 (got '{range}')");
                options = options with { ChaosMinSeconds = low, ChaosMaxSeconds = high };
            }

            FileInfo? readmeFile = parsed.GetValue(readme);
            if (readmeFile is not null)
                SoakReport.CheckReadmeBlock(readmeFile); // before 20 minutes of soak, not after
            if (parsed.GetValue(reportOnly))
            {
                if (readmeFile is null)
                    throw new UsageException("--report-only writes the --readme block: name the file with --readme");
                SoakReport.WriteReadmeBlock(readmeFile.FullName, Path.GetRelativePath(readmeFile.DirectoryName!, options.OutDir), SoakReport.ReadSummary(options.OutDir));
                Console.Out.WriteLine($"wrote the soak block of {readmeFile.FullName} from {options.OutDir}");
                return ExitCodes.Ok;
            }

            IReadOnlyList<string> problems = options.Validate();
            if (problems.Count > 0)
                throw new UsageException(string.Join("; ", problems));
            if (SoakNetwork.Unavailable() is { } why)
            {
                Console.Error.WriteLine($"error: cannot run the soak here: {why}");
                return ExitCodes.Failed;
            }

            SoakSummary summary = new SoakRunner(options, Console.Error).Run();
            if (readmeFile is not null)
                SoakReport.WriteReadmeBlock(readmeFile.FullName, Path.GetRelativePath(readmeFile.DirectoryName!, options.OutDir), summary);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak {(summary.Passed ? "PASSED" : "FAILED")}: {summary.Hosts} hosts × {summary.NodesPerHost} nodes, {summary.ChaosSeconds / 60:F1} min of chaos "
                + $"({summary.Kills} kills, {summary.Leaves} leaves, {summary.Cuts} cuts, {summary.LossPercent}% loss, {summary.DelayMs} ms by {summary.Impairment}); "
                + $"apps {summary.AppsFinished}/{summary.AppsSubmitted} finished ({summary.RoundsCompleted} rounds), take-overs {summary.TakeOvers}, models lost {summary.ModelsLost}{(summary.AppsSplitByCut > 0 ? $" (and {summary.AppsSplitByCut} app(s) started on both sides of a cut, not lost)" : "")}; "
                + $"lookups {summary.LookupsCorrect}/{summary.Lookups} correct ({summary.LookupSuccess:P2}); max RSS {summary.MaxRssMiB:F0} MiB, mean host CPU {summary.MeanHostCpu:F2} cores"));
            foreach (string failure in summary.Failures)
                Console.Out.WriteLine($"  lost: {failure}");
            foreach (string unfinished in summary.Unfinished)
                Console.Out.Write($"what the host logs say of {unfinished} (seconds on each host's clock since its last start):\n{SoakTrace.Of(Path.Combine(options.OutDir, "hosts"), unfinished)}");
            Console.Out.WriteLine($"results in {options.OutDir}");
            return summary.Passed ? ExitCodes.Ok : ExitCodes.Failed;

            bool Given(Option option) => parsed.GetResult(option) is { Implicit: false };
        });
        return command;
    }
}
