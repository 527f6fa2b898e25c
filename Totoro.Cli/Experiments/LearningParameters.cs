using Totoro.Core.Learning;
using Totoro.Sim.Scenarios;

namespace Totoro.Cli.Experiments;

/// <summary>A world, its apps' trees and their training: `totoro sim --rounds …`'s options in camelCase.</summary>
internal class LearningParameters : ForestParameters
{
    // An experiment may name Totoro.Torch's networks wherever it is loaded: in `totoro`, or in process (the README
    // report's check in the tests), where Program.cs's registration never ran.
    static LearningParameters() => Torch.TorchModels.Register();

    public string System { get; set; } = "totoro";

    protected override ForestSimConfig? SizedForest() => ToForestConfig() with { RealVectors = Train != "timing" };

    /// <summary>real or timing.</summary>
    public string Train { get; set; } = "real";

    /// <summary>Accuracy after rounds 1, 2, … of a real run, replayed by timing runs.</summary>
    public List<double>? AccuracyCurve { get; set; }

    public bool Isolated { get; set; }

    public string Model { get; set; } = "logreg";

    public string Dataset { get; set; } = "fashion-mnist";

    public string Partition { get; set; } = "iid";

    public string Rule { get; set; } = "fedavg";

    public string Selection { get; set; } = "random";

    /// <summary>FedProx's μ.</summary>
    public double Mu { get; set; } = 0.01;

    /// <summary>FedAdam/FedYogi's server learning rate η.</summary>
    public double ServerLearningRate { get; set; } = 0.01;

    public int Rounds { get; set; } = 10;

    public int ClientsPerRound { get; set; } = 10;

    public int LocalEpochs { get; set; } = 1;

    public int BatchSize { get; set; } = 20;

    public double LearningRate { get; set; } = 0.05;

    public int TrainSamples { get; set; }

    public int TestSamples { get; set; }

    public double TargetAccuracy { get; set; }

    public int EvaluateEvery { get; set; } = 1;

    /// <summary>trimmed-mean's fraction trimmed from each end.</summary>
    public double TrimFraction { get; set; } = 0.1;

    /// <summary>Fraction of Byzantine workers (0: none), their attack and its factor.</summary>
    public double Byzantine { get; set; }

    public string Attack { get; set; } = "sign-flip";

    public double AttackScale { get; set; } = ByzantineAttack.DefaultScale;

    public double DeviceGflopsMin { get; set; } = 0.5;

    public double DeviceGflopsMax { get; set; } = 8;

    public LearningSimConfig ToLearningConfig()
    {
        PartitionSpec.TryParse(Partition, out PartitionSpec partition, out _);
        return new LearningSimConfig
        {
            Template = new AppSpec
            {
                Model = Model,
                Dataset = Dataset,
                Partition = partition,
                Workers = SubscribersPerApp,
                Rounds = Rounds,
                ClientsPerRound = ClientsPerRound,
                Selection = Selection,
                LocalEpochs = LocalEpochs,
                BatchSize = BatchSize,
                LearningRate = (float)LearningRate,
                Rule = Rule,
                ProximalMu = (float)Mu,
                ServerLearningRate = (float)ServerLearningRate,
                TrainSamples = TrainSamples,
                TestSamples = TestSamples,
                TargetAccuracy = TargetAccuracy,
                EvaluateEvery = EvaluateEvery,
                TrimFraction = TrimFraction,
                Byzantine = Byzantine > 0 ? Byzantine : null,
                Attack = Byzantine > 0 ? Attack : null,
                AttackScale = Byzantine > 0 ? AttackScale : null,
                RoundDeadlineMs = RoundDeadlineMs,
            },
            Apps = Apps,
            System = System,
            Train = Train,
            AccuracyPoints = AccuracyCurve,
            Isolated = Isolated,
            DeviceGflops = (DeviceGflopsMin, DeviceGflopsMax),
        };
    }

    public IReadOnlyList<string> ValidateLearning()
    {
        var problems = new List<string>(ValidateForest());
        if (!PartitionSpec.TryParse(Partition, out _, out string? error))
            problems.Add($"'partition': {error}");
        else
            problems.AddRange(ToLearningConfig().Validate().Select(YamlKeys));
        return problems;
    }
}
