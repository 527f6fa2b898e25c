using System.CommandLine;
using System.Globalization;
using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli;

/// <summary>
/// The app options (`--model`, `--dataset`, `--partition`, `--rounds`, `--clients-per-round`, `--rule`, …): the same
/// names for `totoro sim` and for submitting an app to real nodes. With `--rounds` > 0, `totoro sim` trains.
/// </summary>
internal sealed class LearningOptions
{
    public Option<int> Rounds { get; } = new("--rounds") { Description = "Train every app for R rounds (0: no training)", DefaultValueFactory = _ => 0 };

    public Option<string> System { get; } = new("--system") { Description = "Who trains: totoro (a tree per app), central (one coordinator, apps served first come first served) or star (a server per app, no tree)", DefaultValueFactory = _ => "totoro" };

    public Option<string> Model { get; } = new("--model") { Description = "logreg or mlp", DefaultValueFactory = _ => "logreg" };

    public Option<int> HiddenUnits { get; } = new("--hidden-units") { Description = "Hidden units of the mlp", DefaultValueFactory = _ => 64 };

    public Option<string> Dataset { get; } = new("--dataset") { Description = "fashion-mnist (Debian's dataset-fashion-mnist) or synthetic (LEAF synthetic(1,1), generated)", DefaultValueFactory = _ => "fashion-mnist" };

    public Option<string?> DatasetFolder { get; } = new("--dataset-folder") { Description = "Folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)" };

    public Option<string> Partition { get; } = new("--partition") { Description = "iid, dirichlet:ALPHA (label skew), shards:K, or natural (synthetic: one generated client per worker)", DefaultValueFactory = _ => "iid" };

    public Option<int> ClientsPerRound { get; } = new("--clients-per-round") { Description = "Participants per round (0: every worker)", DefaultValueFactory = _ => 10 };

    public Option<string> Selection { get; } = new("--selection") { Description = "Client selection: random, or oort (useful data on fast devices, with exploration)", DefaultValueFactory = _ => "random" };

    public Option<int> LocalEpochs { get; } = new("--local-epochs") { Description = "Local epochs per round", DefaultValueFactory = _ => 1 };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Local minibatch size", DefaultValueFactory = _ => 20 };

    public Option<float> LearningRate { get; } = new("--learning-rate") { Description = "Local SGD learning rate", DefaultValueFactory = _ => 0.05f };

    public Option<string> Rule { get; } = new("--rule") { Description = "Server rule: fedavg, fedprox, fedadam, fedyogi, median or trimmed-mean", DefaultValueFactory = _ => "fedavg" };

    public Option<float> Mu { get; } = new("--mu") { Description = "FedProx's proximal weight μ", DefaultValueFactory = _ => 0.01f };

    public Option<float> ServerLearningRate { get; } = new("--server-learning-rate") { Description = "Server learning rate of fedadam/fedyogi", DefaultValueFactory = _ => 0.01f };

    public Option<double> TargetAccuracy { get; } = new("--target-accuracy") { Description = "Test accuracy (0..1) at which an app counts as trained and stops (0: run every round)", DefaultValueFactory = _ => 0 };

    public Option<int> EvaluateEvery { get; } = new("--evaluate-every") { Description = "Evaluate the global model every N rounds (and after the last)", DefaultValueFactory = _ => 1 };

    public Option<int> TrainSamples { get; } = new("--train-samples") { Description = "Training samples spread over each app's workers (0: all)", DefaultValueFactory = _ => 0 };

    public Option<int> TestSamples { get; } = new("--test-samples") { Description = "Test samples the master evaluates on (0: all)", DefaultValueFactory = _ => 0 };

    public Option<string> Train { get; } = new("--train") { Description = "real (train and evaluate) or timing (sizes only; accuracy replayed from --accuracy-curve)", DefaultValueFactory = _ => "real" };

    public Option<string?> AccuracyCurve { get; } = new("--accuracy-curve") { Description = "rounds.csv of a real run, replayed by --train timing" };

    public Option<string> DeviceGflops { get; } = new("--device-gflops") { Description = "Device training speeds MIN-MAX in GFLOP/s, drawn log-uniformly per node", DefaultValueFactory = _ => "0.5-8" };

    public Option<double> CentralMbps { get; } = new("--central-mbps") { Description = "The central coordinator's link speed in Mbit/s (data-centre)", DefaultValueFactory = _ => 10_000 };

    public Option<bool> Isolated { get; } = new("--isolated") { Description = "Run the apps one after another, each alone, timing each from its own start (the no-interference reference)" };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[]
        {
            Rounds, System, Model, HiddenUnits, Dataset, DatasetFolder, Partition, ClientsPerRound, Selection, LocalEpochs,
            BatchSize, LearningRate, Rule, Mu, ServerLearningRate, TargetAccuracy, EvaluateEvery, TrainSamples, TestSamples,
            Train, AccuracyCurve, DeviceGflops, CentralMbps, Isolated,
        })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The app spec the options describe; throws <see cref="UsageException"/> naming a bad option.</summary>
    public AppSpec ToSpec(ParseResult parsed, int workers, int roundDeadlineMs)
    {
        string partition = parsed.GetValue(Partition) ?? "iid";
        if (!PartitionSpec.TryParse(partition, out PartitionSpec spec, out string? error))
            throw new UsageException($"--partition: {error}");
        string dataset = parsed.GetValue(Dataset) ?? "fashion-mnist";
        var app = new AppSpec
        {
            Model = parsed.GetValue(Model) ?? "logreg",
            HiddenUnits = parsed.GetValue(HiddenUnits),
            Dataset = dataset,
            DatasetFolder = parsed.GetValue(DatasetFolder),
            Partition = spec,
            Workers = workers,
            TrainSamples = parsed.GetValue(TrainSamples),
            TestSamples = parsed.GetValue(TestSamples),
            Rounds = Math.Max(1, parsed.GetValue(Rounds)),
            ClientsPerRound = parsed.GetValue(ClientsPerRound),
            Selection = parsed.GetValue(Selection) ?? "random",
            LocalEpochs = parsed.GetValue(LocalEpochs),
            BatchSize = parsed.GetValue(BatchSize),
            LearningRate = parsed.GetValue(LearningRate),
            Rule = parsed.GetValue(Rule) ?? "fedavg",
            ProximalMu = parsed.GetValue(Mu),
            ServerLearningRate = parsed.GetValue(ServerLearningRate),
            TargetAccuracy = parsed.GetValue(TargetAccuracy),
            EvaluateEvery = parsed.GetValue(EvaluateEvery),
            RoundDeadlineMs = roundDeadlineMs,
        };
        IReadOnlyList<string> problems = app.Validate();
        if (problems.Count > 0)
            throw new UsageException(problems[0]);
        return app;
    }

    /// <summary>The training part of `totoro sim`, or null without --rounds.</summary>
    public LearningSimConfig? ToConfig(ParseResult parsed, int apps, int workers, int roundDeadlineMs)
    {
        int rounds = parsed.GetValue(Rounds);
        if (rounds < 0)
            throw new UsageException($"--rounds must be zero (no training) or more (got {rounds})");
        if (rounds == 0)
            return null;
        var config = new LearningSimConfig
        {
            Template = ToSpec(parsed, workers, roundDeadlineMs),
            Apps = Math.Max(1, apps),
            System = parsed.GetValue(System) ?? "totoro",
            Train = parsed.GetValue(Train) ?? "real",
            AccuracyCurve = parsed.GetValue(AccuracyCurve),
            DeviceGflops = ParseRange(parsed.GetValue(DeviceGflops) ?? "0.5-8"),
            CentralMbps = parsed.GetValue(CentralMbps),
            Isolated = parsed.GetValue(Isolated),
        };
        IReadOnlyList<string> problems = config.Validate();
        if (problems.Count > 0)
            throw new UsageException(problems[0]);
        return config;
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
