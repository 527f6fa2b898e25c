using System.CommandLine;
using System.Globalization;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>
/// `totoro sim`'s training options: the app options (<see cref="AppSpecOptions"/>, the same names as
/// `totoro app submit`) plus what only a simulation has: which system trains, real or timing-only training, the
/// device and coordinator models, and isolated runs. With `--rounds` > 0, `totoro sim` trains.
/// </summary>
internal sealed class LearningOptions
{
    public AppSpecOptions App { get; } = new(forSimulator: true);

    public Option<string> System { get; } = new("--system") { Description = "Who trains: totoro (a tree per app), openfl or fedscale (one server built from resources: a NIC and a CPU serving every app's tasks first come first served; docs/baselines.md), central (one coordinator serving one app's whole round at a time) or star (a server per app, no tree)", DefaultValueFactory = _ => "totoro" };

    public Option<string> Train { get; } = new("--train") { Description = "real (train and evaluate) or timing (sizes only; accuracy replayed from --accuracy-curve)", DefaultValueFactory = _ => "real" };

    public Option<string?> AccuracyCurve { get; } = new("--accuracy-curve") { Description = "rounds.csv of a real run, replayed by --train timing" };

    public Option<string> DeviceGflops { get; } = new("--device-gflops") { Description = "Device training speeds MIN-MAX in GFLOP/s, drawn log-uniformly per node", DefaultValueFactory = _ => "0.5-8" };

    public Option<double> CentralMbps { get; } = new("--central-mbps") { Description = "The central coordinator's link speed in Mbit/s (data-centre)", DefaultValueFactory = _ => 10_000 };

    public Option<FileInfo?> InitModel { get; } = new("--init-model") { Description = "Start training from a saved global model (a file written by `totoro app model --out`)" };

    public Option<bool> Isolated { get; } = new("--isolated") { Description = "Run the apps one after another, each alone, timing each from its own start (the no-interference reference)" };

    public void AddTo(Command command)
    {
        App.AddTo(command);
        foreach (Option option in new Option[] { System, Train, AccuracyCurve, DeviceGflops, CentralMbps, Isolated, InitModel })
            command.Options.Add(option);
    }

    /// <summary>The training part of `totoro sim`, or null without --rounds; throws <see cref="UsageException"/> naming a bad option.</summary>
    public LearningSimConfig? ToConfig(ParseResult parsed, int apps, int workers, int roundDeadlineMs)
    {
        int rounds = parsed.GetValue(App.Rounds);
        if (rounds < 0)
            throw new UsageException($"--rounds must be zero (no training) or more (got {rounds})");
        if (rounds == 0)
            return null;
        var config = new LearningSimConfig
        {
            Template = App.ToSpec(parsed, "app-0", workers, roundDeadlineMs),
            Apps = Math.Max(1, apps),
            System = parsed.GetValue(System) ?? "totoro",
            Train = parsed.GetValue(Train) ?? "real",
            AccuracyCurve = parsed.GetValue(AccuracyCurve),
            DeviceGflops = ParseRange(parsed.GetValue(DeviceGflops) ?? "0.5-8"),
            CentralMbps = parsed.GetValue(CentralMbps),
            Isolated = parsed.GetValue(Isolated),
            InitModel = parsed.GetValue(InitModel) is { } file ? ReadModel(file) : null,
        };
        IReadOnlyList<string> problems = config.Validate();
        if (problems.Count > 0)
            throw new UsageException(problems[0]);
        return config;
    }

    private static float[] ReadModel(FileInfo file)
    {
        if (!file.Exists)
            throw new UsageException($"--init-model: {file.FullName} does not exist");
        try
        {
            return ModelFile.Read(file.FullName).Parameters;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--init-model: {e.Message}");
        }
    }

    private static (double, double) ParseRange(string text)
    {
        string[] parts = text.Split('-');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double min)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double max)
            && min > 0 && max >= min && double.IsFinite(max))
            return (min, max);
        throw new UsageException($"--device-gflops must be MIN-MAX with 0 < MIN ≤ MAX, e.g. 0.5-8 (got '{text}')");
    }
}
