using System.CommandLine;
using Totoro.Core.Learning;

namespace Totoro.Cli;

/// <summary>
/// The options that describe an FL app (--model, --dataset, --partition, --rounds, --clients-per-round, --rule, …):
/// one set of names for `totoro sim` and `totoro app submit`, and how they become an <see cref="AppSpec"/>.
/// In the simulator the workers are the subscribers (--subscribers-per-app), the seed and round deadline are the
/// run's, and --rounds 0 means "no training"; on real nodes they are the app's own options.
/// </summary>
internal sealed class AppSpecOptions
{
    private const int RealRoundDeadlineMs = 30_000;
    private static readonly AppSpec Defaults = new();
    private readonly bool _forSimulator;

    public AppSpecOptions(bool forSimulator = false)
    {
        _forSimulator = forSimulator;
        if (!forSimulator)
        {
            // A real app always has a round deadline: one silent child must not stall it forever.
            RoundDeadlineMs.DefaultValueFactory = _ => RealRoundDeadlineMs;
            RoundDeadlineMs.Description = $"Close a round this long after its broadcast, leaving out who has not answered (default {RealRoundDeadlineMs} ms)";
        }
        Rounds = new("--rounds")
        {
            Description = forSimulator ? "Train every app for R rounds (0: no training)" : "Training rounds",
            DefaultValueFactory = _ => forSimulator ? 0 : Defaults.Rounds,
        };
    }

    public Option<string> Model { get; } = new("--model") { Description = "logreg, mlp, cnn, shufflenet-v2, resnet-34 (`totoro models` lists them), or a model of --model-assembly", DefaultValueFactory = _ => Defaults.Model };

    public Option<FileInfo?> ModelAssembly { get; } = new("--model-assembly") { Description = "Your own model: a .NET assembly with a public IModelFactory (docs/models.md); --model names it" };

    public Option<int> HiddenUnits { get; } = new("--hidden-units") { Description = "Hidden units of the mlp", DefaultValueFactory = _ => Defaults.HiddenUnits };

    public Option<string> Dataset { get; } = new("--dataset") { Description = "fashion-mnist (Debian's dataset-fashion-mnist) or synthetic (LEAF synthetic(1,1), generated)", DefaultValueFactory = _ => Defaults.Dataset };

    public Option<string?> DatasetFolder { get; } = new("--dataset-folder") { Description = "Folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)" };

    public Option<string> Partition { get; } = new("--partition") { Description = "iid, dirichlet:ALPHA (label skew), shards:K, or natural (synthetic: one generated client per worker)", DefaultValueFactory = _ => "iid" };

    public Option<int> Workers { get; } = new("--workers") { Description = "Data shards, one a worker: the master gives each subscriber that enrols a shard, and starts once all are taken (or at --start-after with at least --min-workers)", DefaultValueFactory = _ => Defaults.Workers };

    public Option<int> Rounds { get; }

    public Option<int> ClientsPerRound { get; } = new("--clients-per-round") { Description = "Participants per round (0: every worker)", DefaultValueFactory = _ => Defaults.ClientsPerRound };

    public Option<string> Selection { get; } = new("--selection") { Description = "Client selection: random, or oort (useful data on fast devices, with exploration)", DefaultValueFactory = _ => Defaults.Selection };

    public Option<string> Rule { get; } = new("--rule") { Description = "Server rule: fedavg, fedprox, fedadam, fedyogi, median or trimmed-mean", DefaultValueFactory = _ => Defaults.Rule };

    public Option<float> Mu { get; } = new("--mu") { Description = "FedProx's proximal weight μ", DefaultValueFactory = _ => Defaults.ProximalMu };

    public Option<float> ServerLearningRate { get; } = new("--server-learning-rate") { Description = "Server learning rate of fedadam/fedyogi", DefaultValueFactory = _ => Defaults.ServerLearningRate };

    public Option<int> LocalEpochs { get; } = new("--local-epochs") { Description = "Local epochs per round", DefaultValueFactory = _ => Defaults.LocalEpochs };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Local minibatch size", DefaultValueFactory = _ => Defaults.BatchSize };

    public Option<float> LearningRate { get; } = new("--learning-rate") { Description = "Local SGD learning rate", DefaultValueFactory = _ => Defaults.LearningRate };

    public Option<int> TrainSamples { get; } = new("--train-samples") { Description = "Training samples spread over each app's workers (0: all; synthetic: 100 per worker)", DefaultValueFactory = _ => 0 };

    public Option<int> TestSamples { get; } = new("--test-samples") { Description = "Test samples the master evaluates on (0: all)", DefaultValueFactory = _ => 0 };

    public Option<int> RoundDeadlineMs { get; } = new("--round-deadline-ms") { Description = "Close a round this long after its broadcast (0: wait for every participant)", DefaultValueFactory = _ => 0 };

    public Option<double> TargetAccuracy { get; } = new("--target-accuracy") { Description = "Stop once test accuracy (0..1) reaches this (0: run every round)", DefaultValueFactory = _ => 0 };

    public Option<int> EvaluateEvery { get; } = new("--evaluate-every") { Description = "Evaluate the global model every N rounds (and after the last)", DefaultValueFactory = _ => Defaults.EvaluateEvery };

    public Option<double> Trim { get; } = new("--trim") { Description = "Fraction trimmed from each end by trimmed-mean, per coordinate", DefaultValueFactory = _ => 0.1 };

    public Option<double> Byzantine { get; } = new("--byzantine") { Description = "Fraction of the workers that poison their updates (an experiment's attackers, chosen by the seed)", DefaultValueFactory = _ => 0 };

    public Option<string> Attack { get; } = new("--attack") { Description = "What Byzantine workers send: sign-flip (-k times the update), scale (k times it) or noise (Gaussian, k times its RMS)", DefaultValueFactory = _ => "sign-flip" };

    public Option<double> AttackScale { get; } = new("--attack-scale") { Description = "The attack's factor k", DefaultValueFactory = _ => 10 };

    public Option<ulong> Seed { get; } = new("--seed") { Description = "Random seed of the app (initial model, partition, participants, local training)", DefaultValueFactory = _ => 1UL };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Model, ModelAssembly, HiddenUnits, Dataset, DatasetFolder, Partition, Rounds, ClientsPerRound, Selection, Rule, Mu, ServerLearningRate, LocalEpochs, BatchSize, LearningRate, TrainSamples, TestSamples, TargetAccuracy, EvaluateEvery, Trim, Byzantine, Attack, AttackScale })
            command.Options.Add(option);
        if (_forSimulator)
            return; // the simulator has its own --seed, --round-deadline-ms and --subscribers-per-app
        command.Options.Add(Workers);
        command.Options.Add(RoundDeadlineMs);
        command.Options.Add(Seed);
    }

    /// <summary>The spec, or a usage error naming the bad option.</summary>
    /// <param name="workers">The simulator's subscribers per app (null: --workers).</param>
    /// <param name="roundDeadlineMs">The simulator's round deadline (null: --round-deadline-ms).</param>
    public AppSpec ToSpec(ParseResult parsed, string name, int? workers = null, int? roundDeadlineMs = null)
    {
        if (!PartitionSpec.TryParse(parsed.GetValue(Partition)!, out PartitionSpec partition, out string? error))
            throw new UsageException($"--partition: {error}");
        if (parsed.GetValue(ModelAssembly) is { } assembly)
            LoadModelAssembly(assembly.FullName);
        var spec = new AppSpec
        {
            Name = name,
            Model = parsed.GetValue(Model)!,
            ModelAssembly = parsed.GetValue(ModelAssembly)?.FullName,
            HiddenUnits = parsed.GetValue(HiddenUnits),
            Dataset = parsed.GetValue(Dataset)!,
            DatasetFolder = parsed.GetValue(DatasetFolder),
            Partition = partition,
            Workers = workers ?? parsed.GetValue(Workers),
            Rounds = _forSimulator ? Math.Max(1, parsed.GetValue(Rounds)) : parsed.GetValue(Rounds),
            ClientsPerRound = parsed.GetValue(ClientsPerRound),
            Selection = parsed.GetValue(Selection)!,
            Rule = parsed.GetValue(Rule)!,
            ProximalMu = parsed.GetValue(Mu),
            ServerLearningRate = parsed.GetValue(ServerLearningRate),
            LocalEpochs = parsed.GetValue(LocalEpochs),
            BatchSize = parsed.GetValue(BatchSize),
            LearningRate = parsed.GetValue(LearningRate),
            TrainSamples = parsed.GetValue(TrainSamples),
            TestSamples = parsed.GetValue(TestSamples),
            RoundDeadlineMs = roundDeadlineMs ?? parsed.GetValue(RoundDeadlineMs),
            TargetAccuracy = parsed.GetValue(TargetAccuracy),
            EvaluateEvery = parsed.GetValue(EvaluateEvery),
            TrimFraction = parsed.GetValue(Trim),
        };
        if (parsed.GetValue(Byzantine) > 0)
            spec = spec with { Byzantine = parsed.GetValue(Byzantine), Attack = parsed.GetValue(Attack), AttackScale = parsed.GetValue(AttackScale) }; // absent otherwise: an honest app's descriptor keeps its bytes
        // The spec would quietly cap participants at the workers; a count the user typed is checked instead.
        if (parsed.GetResult(ClientsPerRound) is { Implicit: false } && spec.Workers >= 1 && spec.ClientsPerRound > spec.Workers)
            throw new UsageException($"--clients-per-round {spec.ClientsPerRound} is more than the {spec.Workers} workers ({(_forSimulator ? "--subscribers-per-app" : "--workers")}); use at most {spec.Workers}, or 0 for every worker");
        IReadOnlyList<string> problems = spec.Validate();
        if (problems.Count > 0)
            throw new UsageException(problems[0]);
        return spec;
    }

    /// <summary>Loads a model assembly into this process's catalog, or a usage error in one line.</summary>
    public static void LoadModelAssembly(string path)
    {
        try
        {
            ModelCatalog.LoadAssembly(path);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--model-assembly: {ex.Message}");
        }
    }
}
