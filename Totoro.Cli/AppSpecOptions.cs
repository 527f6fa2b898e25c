using System.CommandLine;
using Totoro.Core.Learning;

namespace Totoro.Cli;

/// <summary>
/// The options that describe an FL app for `totoro app submit`, named as in `totoro sim` (--model, --dataset,
/// --partition, --rounds, --clients-per-round, --rule, …), and how they become an <see cref="AppSpec"/>.
/// Defaults are the spec's own.
/// </summary>
internal sealed class AppSpecOptions
{
    private static readonly AppSpec Defaults = new();

    public Option<string> Model { get; } = new("--model") { Description = "logreg or mlp", DefaultValueFactory = _ => Defaults.Model };

    public Option<int> HiddenUnits { get; } = new("--hidden-units") { Description = "Hidden units of the mlp", DefaultValueFactory = _ => Defaults.HiddenUnits };

    public Option<string> Dataset { get; } = new("--dataset") { Description = "fashion-mnist or synthetic", DefaultValueFactory = _ => Defaults.Dataset };

    public Option<string?> DatasetFolder { get; } = new("--dataset-folder") { Description = "Folder of the Fashion-MNIST IDX files on every node (default /usr/share/datasets/fashion-mnist)" };

    public Option<string> Partition { get; } = new("--partition") { Description = "iid, dirichlet:ALPHA, shards:K or natural (synthetic only)", DefaultValueFactory = _ => "iid" };

    public Option<int> Workers { get; } = new("--workers") { Description = "Workers: the nodes whose global index (see `totoro node --index-base`) is below this", DefaultValueFactory = _ => Defaults.Workers };

    public Option<int> Rounds { get; } = new("--rounds") { Description = "Training rounds", DefaultValueFactory = _ => Defaults.Rounds };

    public Option<int> ClientsPerRound { get; } = new("--clients-per-round") { Description = "Participants per round (0: every worker)", DefaultValueFactory = _ => Defaults.ClientsPerRound };

    public Option<string> Selection { get; } = new("--selection") { Description = "random or oort", DefaultValueFactory = _ => Defaults.Selection };

    public Option<string> Rule { get; } = new("--rule") { Description = "fedavg, fedprox, fedadam, fedyogi, median or trimmed-mean", DefaultValueFactory = _ => Defaults.Rule };

    public Option<int> LocalEpochs { get; } = new("--local-epochs") { Description = "Local epochs per round", DefaultValueFactory = _ => Defaults.LocalEpochs };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Local minibatch size", DefaultValueFactory = _ => Defaults.BatchSize };

    public Option<float> LearningRate { get; } = new("--learning-rate") { Description = "Local SGD learning rate", DefaultValueFactory = _ => Defaults.LearningRate };

    public Option<int> TrainSamples { get; } = new("--train-samples") { Description = "Training samples spread over the workers (0: all; synthetic: 100 per worker)", DefaultValueFactory = _ => 0 };

    public Option<int> TestSamples { get; } = new("--test-samples") { Description = "Test samples the master evaluates on (0: all)", DefaultValueFactory = _ => 0 };

    public Option<int> RoundDeadlineMs { get; } = new("--round-deadline-ms") { Description = "Close a round this long after its broadcast (0: wait for every participant)", DefaultValueFactory = _ => 0 };

    public Option<double> TargetAccuracy { get; } = new("--target-accuracy") { Description = "Stop once test accuracy reaches this (0: run every round)", DefaultValueFactory = _ => 0 };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Random seed of the app (initial model, partition, participants, local training)", DefaultValueFactory = _ => 1UL };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Model, HiddenUnits, Dataset, DatasetFolder, Partition, Workers, Rounds, ClientsPerRound, Selection, Rule, LocalEpochs, BatchSize, LearningRate, TrainSamples, TestSamples, RoundDeadlineMs, TargetAccuracy, Seed })
            command.Options.Add(option);
    }

    /// <summary>The spec, or a usage error naming every bad option.</summary>
    public AppSpec ToSpec(ParseResult parsed, string name)
    {
        if (!PartitionSpec.TryParse(parsed.GetValue(Partition)!, out PartitionSpec partition, out string? error))
            throw new UsageException($"--partition: {error}");
        var spec = new AppSpec
        {
            Name = name,
            Model = parsed.GetValue(Model)!,
            HiddenUnits = parsed.GetValue(HiddenUnits),
            Dataset = parsed.GetValue(Dataset)!,
            DatasetFolder = parsed.GetValue(DatasetFolder),
            Partition = partition,
            Workers = parsed.GetValue(Workers),
            Rounds = parsed.GetValue(Rounds),
            ClientsPerRound = parsed.GetValue(ClientsPerRound),
            Selection = parsed.GetValue(Selection)!,
            Rule = parsed.GetValue(Rule)!,
            LocalEpochs = parsed.GetValue(LocalEpochs),
            BatchSize = parsed.GetValue(BatchSize),
            LearningRate = parsed.GetValue(LearningRate),
            TrainSamples = parsed.GetValue(TrainSamples),
            TestSamples = parsed.GetValue(TestSamples),
            RoundDeadlineMs = parsed.GetValue(RoundDeadlineMs),
            TargetAccuracy = parsed.GetValue(TargetAccuracy),
        };
        IReadOnlyList<string> problems = spec.Validate();
        if (problems.Count > 0)
            throw new UsageException(string.Join("; ", problems));
        return spec;
    }
}
