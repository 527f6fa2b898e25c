using System.CommandLine;
using System.Globalization;
using Totoro.Cli.Experiments.Report;

namespace Totoro.Cli.Experiments;

/// <summary>
/// `totoro experiment list [--dir DIR]` and `totoro experiment run FILE [--quick|--smallest] [--out DIR] [--jobs N]`:
/// the paper's figures from experiments/*.yaml, written as CSV, PNG and summary.json under out/NAME (or --out DIR).
/// </summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var command = new Command("experiment", "Run the paper's experiments from experiments/*.yaml (CSV, PNG and summary.json under out/NAME)");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(ReportCommand());
        return command;
    }

    private static Command List()
    {
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Folder of experiment files", DefaultValueFactory = _ => new DirectoryInfo("experiments") };
        var command = new Command("list", "List the experiment files, the kind that runs each and the paper figure it reproduces") { dir };
        command.SetAction(parsed =>
        {
            DirectoryInfo folder = parsed.GetValue(dir)!;
            if (!folder.Exists)
                throw new UsageException($"no folder '{folder.FullName}': run from the repository root or pass --dir");
            foreach (FileInfo file in folder.GetFiles("*.yaml").OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                Experiment e = ExperimentLoader.Load(Shown(file.FullName), ExperimentLoader.Form.Full);
                Experiment quick = ExperimentLoader.Load(e.File, ExperimentLoader.Form.Quick);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{e.File,-40} {e.Spec.Paper,-16} {e.Kind.Name,-13} {e.Points.Count,4} points ({quick.Points.Count} quick)  {e.Spec.Title}"));
            }

            Console.Out.WriteLine();
            Console.Out.WriteLine("kinds: " + string.Join("; ", ExperimentKinds.All.Select(k => $"{k.Name} ({k.Description})")));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Run()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "An experiment file, e.g. experiments/fig6c-fanout.yaml" };
        var quick = new Option<bool>("--quick") { Description = "The quick form: a smaller sweep (every experiment together in under 20 minutes on 2 cores)" };
        var smallest = new Option<bool>("--smallest") { Description = "The smallest form: the quick form cut to two values per axis and one seed (tests)" };
        var outDir = new Option<DirectoryInfo?>("--out") { Description = "Directory for this experiment's files (default out/NAME; the committed ones are results/NAME)" };
        var jobs = new Option<int>("--jobs") { Description = "Points run at once (default: the number of cores)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("run", "Run one experiment's points in parallel; write points.csv, PNGs and summary.json") { file, quick, smallest, outDir, jobs };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(quick) && parsed.GetValue(smallest))
                throw new UsageException("--quick and --smallest exclude each other");
            int jobCount = parsed.GetValue(jobs);
            if (jobCount < 1)
                throw new UsageException($"--jobs must be at least 1 (got {jobCount})");
            ExperimentLoader.Form form = parsed.GetValue(smallest) ? ExperimentLoader.Form.Smallest
                : parsed.GetValue(quick) ? ExperimentLoader.Form.Quick
                : ExperimentLoader.Form.Full;
            FileInfo path = parsed.GetValue(file)!;
            Experiment experiment = ExperimentLoader.Load(Shown(path.FullName), form);
            // results/ holds committed results: writing there is a choice (--out results/NAME), not a default.
            string directory = parsed.GetValue(outDir)?.FullName ?? Path.Combine("out", experiment.Spec.Name);
            OutputFolder.Prepare("--out", parsed.GetValue(outDir)?.ToString() ?? directory);
            Console.Error.WriteLine($"{experiment.Spec.Name}: {experiment.Spec.Title} ({experiment.Spec.Paper}); {experiment.Points.Count} points, {form.ToString().ToLowerInvariant()} form, {jobCount} at once");
            ExperimentSummary summary;
            using (var bar = new ProgressBar(Console.Error))
            {
                summary = ExperimentRunner.Run(experiment, directory, jobCount, bar);
                bar.Complete();
            }
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Name}: {summary.Points} points in {summary.WallSeconds:F1} s; wrote {string.Join(", ", summary.Files)} in {directory}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command ReportCommand()
    {
        var files = new Argument<FileInfo[]>("FILES") { Description = "Markdown files to write (default: README.md and experiments/README.md)", Arity = ArgumentArity.ZeroOrMore };
        var check = new Option<bool>("--check") { Description = "Write nothing; exit 1 naming each marked table that differs from the committed results" };
        var dir = new Option<DirectoryInfo>("--dir") { Description = "Folder of experiment files", DefaultValueFactory = _ => new DirectoryInfo("experiments") };
        var results = new Option<DirectoryInfo>("--results") { Description = "Folder of committed results", DefaultValueFactory = _ => new DirectoryInfo("results") };
        var command = new Command("report", "Write the results tables of the READMEs (between <!-- results ... --> markers) from the committed results") { files, check, dir, results };
        command.SetAction(parsed =>
        {
            FileInfo[] targets = parsed.GetValue(files) is { Length: > 0 } given ? given : [new FileInfo("README.md"), new FileInfo(Path.Combine("experiments", "README.md"))];
            var report = new ResultsReport(parsed.GetValue(dir)!.FullName, parsed.GetValue(results)!.FullName);
            int stale = 0;
            foreach (FileInfo target in targets)
            {
                if (!target.Exists)
                    throw new UsageException($"no file '{target.FullName}': run from the repository root or name the files");
                string text = File.ReadAllText(target.FullName);
                if (parsed.GetValue(check))
                {
                    foreach (string section in report.Differences(text, target.FullName))
                    {
                        Console.Out.WriteLine($"{Shown(target.FullName)}: '{section}' differs from the committed results (run `totoro experiment report`)");
                        stale++;
                    }
                }
                else
                {
                    string fresh = report.Rewrite(text, target.FullName);
                    if (fresh != text)
                        File.WriteAllText(target.FullName, fresh);
                    Console.Out.WriteLine($"{Shown(target.FullName)}: {(fresh == text ? "up to date" : "written")}");
                }
            }

            return stale == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>A path as messages show it: relative below the current folder, absolute elsewhere.</summary>
    private static string Shown(string fullPath)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) ? fullPath : relative;
    }
}
