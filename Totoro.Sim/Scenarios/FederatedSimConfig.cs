namespace Totoro.Sim.Scenarios;

/// <summary>A federated run on the forest: one app, its subscribers as workers, real training on real data.</summary>
public sealed record FederatedSimConfig
{
    /// <summary>logreg or mlp.</summary>
    public string Model { get; init; } = "logreg";

    /// <summary>Training rounds.</summary>
    public int Rounds { get; init; } = 10;

    public int LocalEpochs { get; init; } = 1;

    public int BatchSize { get; init; } = 20;

    public float LearningRate { get; init; } = 0.05f;

    /// <summary>Training samples spread over the workers (IID); 0 uses the whole training set.</summary>
    public int TrainSamples { get; init; }

    /// <summary>Test samples evaluated after each round; 0 uses the whole test set.</summary>
    public int TestSamples { get; init; }

    /// <summary>Folder of the Fashion-MNIST IDX files.</summary>
    public string? DatasetFolder { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Model is not ("logreg" or "mlp"))
            problems.Add($"--model must be logreg or mlp (got '{Model}')");
        if (Rounds < 1)
            problems.Add($"--rounds must be at least 1 (got {Rounds})");
        if (LocalEpochs < 1 || BatchSize < 1 || !(LearningRate > 0))
            problems.Add("--local-epochs and --batch-size must be at least 1 and --learning-rate positive");
        if (TrainSamples < 0 || TestSamples < 0)
            problems.Add("sample counts must be zero or more");
        return problems;
    }
}
