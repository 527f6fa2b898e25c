namespace Totoro.Core.Learning;

/// <summary>
/// One FL application as its owner submits it: what to train on what, for how long, how rounds are run and when it
/// counts as done. The same spec drives the simulator, the baselines and the real nodes.
/// </summary>
public sealed record AppSpec
{
    public string Name { get; init; } = "app-0";

    /// <summary>A model of the <see cref="ModelCatalog"/>: logreg, mlp, or one a loaded assembly brings (Totoro.Torch's cnn, shufflenet-v2, resnet-34).</summary>
    public string Model { get; init; } = "logreg";

    /// <summary>
    /// Path of the assembly that defines <see cref="Model"/> (a user's own <see cref="IModelFactory"/>), loaded where
    /// the spec is read locally (the simulator, the submitting command). A node loads only the assemblies its own
    /// command line names (`totoro node --model-assembly`), never a path a remote spec names.
    /// </summary>
    public string? ModelAssembly { get; init; }

    /// <summary>Hidden units of the mlp.</summary>
    public int HiddenUnits { get; init; } = 64;

    /// <summary>fashion-mnist (Debian's IDX files) or synthetic (LEAF synthetic(α, β), generated in process).</summary>
    public string Dataset { get; init; } = "fashion-mnist";

    /// <summary>Folder of the Fashion-MNIST IDX files; null for the Debian package's folder.</summary>
    public string? DatasetFolder { get; init; }

    public PartitionSpec Partition { get; init; } = PartitionSpec.Iid;

    /// <summary>Workers holding data (the app's subscribers).</summary>
    public int Workers { get; init; } = 100;

    /// <summary>Training samples spread over the workers; 0 uses the whole training set (synthetic: 100 per worker).</summary>
    public int TrainSamples { get; init; }

    /// <summary>Test samples the master evaluates on; 0 uses the whole test set.</summary>
    public int TestSamples { get; init; }

    public int Rounds { get; init; } = 10;

    /// <summary>Participants per round; 0 means every worker.</summary>
    public int ClientsPerRound { get; init; } = 10;

    /// <summary>random, or oort (utility: useful data on fast devices, with exploration).</summary>
    public string Selection { get; init; } = "random";

    public int LocalEpochs { get; init; } = 1;

    public int BatchSize { get; init; } = 20;

    public float LearningRate { get; init; } = 0.05f;

    /// <summary>fedavg, fedprox, fedadam, fedyogi, median or trimmed-mean.</summary>
    public string Rule { get; init; } = "fedavg";

    /// <summary>FedProx's proximal weight μ (used by the fedprox rule only).</summary>
    public float ProximalMu { get; init; } = 0.01f;

    /// <summary>Server learning rate of fedadam/fedyogi.</summary>
    public float ServerLearningRate { get; init; } = 0.01f;

    /// <summary>Fraction trimmed at each end by trimmed-mean.</summary>
    public double TrimFraction { get; init; } = 0.1;

    /// <summary>Close a round this long after its broadcast, leaving stragglers out; 0 waits for every participant.</summary>
    public int RoundDeadlineMs { get; init; }

    /// <summary>Test accuracy at which the app counts as trained (0: run every round).</summary>
    public double TargetAccuracy { get; init; }

    /// <summary>Evaluate every this many rounds (the last round always).</summary>
    public int EvaluateEvery { get; init; } = 1;

    /// <summary>The built-in models (the catalog may hold more).</summary>
    public static readonly string[] Models = ["logreg", "mlp"];
    public static readonly string[] Datasets = ["fashion-mnist", "synthetic"];
    public static readonly string[] Rules = ["fedavg", "fedprox", "fedadam", "fedyogi", "median", "trimmed-mean"];
    public static readonly string[] Selections = ["random", "oort"];

    /// <summary>True for the rules whose tree merge is an exact weighted sum; the robust ones carry bundles.</summary>
    public bool IsAveragingRule => Rule is "fedavg" or "fedprox" or "fedadam" or "fedyogi";

    public int Participants => ClientsPerRound <= 0 ? Workers : Math.Min(ClientsPerRound, Workers);

    /// <summary>Fraction of the workers that poison their updates (an experiment's attackers; see <see cref="ByzantineAttack"/>); null: none.</summary>
    public double? Byzantine { get; init; }

    /// <summary>What the Byzantine workers send: sign-flip, scale or noise (null: sign-flip).</summary>
    public string? Attack { get; init; }

    /// <summary>The attack's factor k (null: 10).</summary>
    public double? AttackScale { get; init; }

    /// <summary>Every problem with the spec, each naming the option and what it accepts.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
            problems.Add("the app needs a name");
        if (string.IsNullOrWhiteSpace(Model) || Model.Any(char.IsWhiteSpace))
            problems.Add($"--model must name a model (got '{Model}')");
        else if (ModelAssembly is null && !ModelCatalog.Contains(Model))
            problems.Add($"--model must be one of {string.Join(", ", ModelCatalog.Names)} (got '{Model}'), or a model of an assembly loaded with --model-assembly");
        if (!Datasets.Contains(Dataset))
            problems.Add($"--dataset must be one of {string.Join(", ", Datasets)} (got '{Dataset}')");
        if (!Rules.Contains(Rule))
            problems.Add($"--rule must be one of {string.Join(", ", Rules)} (got '{Rule}')");
        if (!Selections.Contains(Selection))
            problems.Add($"--selection must be one of {string.Join(", ", Selections)} (got '{Selection}')");
        if (Partition.Kind == "natural" && Dataset != "synthetic")
            problems.Add("--partition natural applies to synthetic data only");
        if (Workers < 1)
            problems.Add($"an app needs at least one worker (got {Workers})");
        if (Rounds < 1)
            problems.Add($"--rounds must be at least 1 (got {Rounds})");
        if (ClientsPerRound < 0)
            problems.Add($"--clients-per-round must be 0 (all) or more (got {ClientsPerRound})");
        if (LocalEpochs < 1 || BatchSize < 1 || !(LearningRate > 0))
            problems.Add("--local-epochs and --batch-size must be at least 1 and --learning-rate positive");
        if (HiddenUnits < 1)
            problems.Add($"--hidden-units must be at least 1 (got {HiddenUnits})");
        if (TrainSamples < 0 || TestSamples < 0)
            problems.Add("--train-samples and --test-samples must be zero (all) or more");
        if (TrainSamples > 0 && TrainSamples < Workers)
            problems.Add($"--train-samples {TrainSamples} leaves some of the {Workers} workers without data");
        if (Byzantine is { } byzantine && !(byzantine is >= 0 and < 1))
            problems.Add($"--byzantine must be a fraction in [0, 1) (got {byzantine})");
        if (Attack is { } attack && !ByzantineAttack.Attacks.Contains(attack))
            problems.Add($"--attack must be one of {string.Join(", ", ByzantineAttack.Attacks)} (got '{attack}')");
        if (AttackScale is { } k && !(k > 0 && double.IsFinite(k)))
            problems.Add($"--attack-scale must be positive (got {k})");
        if (!(ProximalMu >= 0) || !(ServerLearningRate > 0) || !(TrimFraction is >= 0 and < 0.5))
            problems.Add("--mu must be ≥ 0, --server-learning-rate > 0 and --trim in [0, 0.5)");
        if (RoundDeadlineMs < 0)
            problems.Add($"--round-deadline-ms must be 0 (wait for all) or more (got {RoundDeadlineMs})");
        if (!(TargetAccuracy is >= 0 and <= 1))
            problems.Add($"--target-accuracy must be in [0, 1] (got {TargetAccuracy})");
        if (EvaluateEvery < 1)
            problems.Add($"--evaluate-every must be at least 1 (got {EvaluateEvery})");
        return problems;
    }
}
