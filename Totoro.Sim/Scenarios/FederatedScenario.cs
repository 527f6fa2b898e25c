using Totoro.Core.Forest;
using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Sim.Scenarios;

/// <summary>
/// Federated learning on the forest: the app's subscribers are workers holding IID shares of Fashion-MNIST. Each
/// round the root broadcasts the global model down its tree; every worker trains locally from it and contributes
/// nᵢ·(wᵢ − w) with weight nᵢ; the tree merges on the way up; the root applies FedAvg, evaluates on the test set and
/// starts the next round. Training takes no simulated time here (device models come later): round times are the
/// network's.
/// </summary>
public sealed class FederatedScenario : IForestApp
{
    private readonly FederatedSimConfig _config;
    private readonly ForestScenario _forest;
    private readonly IModel _model;
    private readonly Dataset _train;
    private readonly Dataset _test;
    private readonly FedAvg _rule = new();
    private readonly Dictionary<int, int[]> _shares = [];
    private readonly List<RoundReport> _rounds = [];
    private readonly Random _random;
    private readonly ulong _seed;
    private float[] _global;
    private long _roundStart;

    public FederatedScenario(OverlaySimConfig overlay, ForestSimConfig forest, FederatedSimConfig config)
    {
        IReadOnlyList<string> problems = config.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(config));
        _config = config;
        _seed = overlay.Seed;
        _random = new Random((int)(overlay.Seed % int.MaxValue));
        Dataset train = IdxReader.LoadFashionMnist(config.DatasetFolder, train: true);
        Dataset test = IdxReader.LoadFashionMnist(config.DatasetFolder, train: false);
        _train = config.TrainSamples > 0 && config.TrainSamples < train.Count ? train.Subset(Enumerable.Range(0, config.TrainSamples).ToArray()) : train;
        _test = config.TestSamples > 0 && config.TestSamples < test.Count ? test.Subset(Enumerable.Range(0, config.TestSamples).ToArray()) : test;
        _model = config.Model == "mlp" ? new MlpModel(_train.Dimensions, 64, _train.Classes) : new LogisticRegressionModel(_train.Dimensions, _train.Classes);
        _global = new float[_model.ParameterCount];
        _model.Initialize(_global, (int)(overlay.Seed % int.MaxValue));
        // A model is what the tree carries: size the forest's payloads by it.
        _forest = new ForestScenario(overlay, forest with { Apps = 1, ModelBytes = _model.ParameterCount * 4, RealVectors = true }) { Learner = this };
    }

    public IReadOnlyList<RoundReport> Rounds => _rounds;

    public ForestScenario Forest => _forest;

    /// <summary>The whole run as a sim report: the overlay, the forest and the rounds.</summary>
    public SimReport RunReport(Action<SimProgress>? progress = null)
    {
        var wall = System.Diagnostics.Stopwatch.StartNew();
        FederatedSection federated = Run(progress);
        return _forest.Overlay.Report(wall.Elapsed.TotalSeconds) with { Forest = _forest.RunReport(), Federated = federated };
    }

    public FederatedSection Run(Action<SimProgress>? progress = null)
    {
        _forest.Overlay.BuildOverlay(progress);
        _forest.Overlay.Settle(2);
        _forest.Subscribe(progress);
        ForestScenario.AppRun app = _forest.Apps.Single();
        int[][] shares = Partitioner.Iid(_train.Count, app.Subscribers.Length, _random);
        for (int i = 0; i < app.Subscribers.Length; i++)
            _shares[app.Subscribers[i]] = shares[i];

        StartRound(app);
        long limit = _forest.World.Now + (3600L * 1_000_000 * _config.Rounds);
        while (_rounds.Count < _config.Rounds && _forest.World.PendingEvents > 0 && _forest.World.Now < limit)
        {
            _forest.World.RunUntil(_forest.World.Now + 100_000);
            progress?.Invoke(new SimProgress("training", _rounds.Count, _config.Rounds));
        }

        return new FederatedSection(_model.Name, app.Subscribers.Length, _model.ParameterCount, _rounds, _rounds.Count > 0 ? _rounds[^1].Accuracy : 0);
    }

    private void StartRound(ForestScenario.AppRun app)
    {
        _roundStart = _forest.World.Now;
        _forest.World.Enter(app.Root);
        _forest.Node(app.Root).Broadcast(app.Id, Payload.FromVector((float[])_global.Clone()));
    }

    /// <summary>At a worker: train from the round's model on the local share, send the weighted update up.</summary>
    public void OnBroadcast(ForestNode node, NodeId app, int round, Payload payload)
    {
        int worker = _forest.World.Current;
        if (!_shares.TryGetValue(worker, out int[]? share) || payload.Vector is not { } global)
            return;
        var local = (float[])global.Clone();
        var options = new LocalTrainingOptions(_config.LocalEpochs, _config.BatchSize, _config.LearningRate);
        // A stream per (worker, round) derived from the run's seed: HashCode would differ from process to process.
        int stream = (int)(Kernel.SplitMix64.Derive(_seed, ((ulong)worker << 24) | (uint)round) >> 33);
        LocalTrainer.Train(_model, local, _train, share, options, new Random(stream));
        var update = new float[local.Length];
        for (int i = 0; i < update.Length; i++)
            update[i] = share.Length * (local[i] - global[i]);
        node.Aggregate(app, round, Payload.FromVector(update, share.Length));
    }

    /// <summary>At the root: the mean update becomes the next global model; evaluate; next round.</summary>
    public void OnAggregated(ForestNode node, NodeId app, int round, Payload merged, long contributions)
    {
        if (merged.Vector is null || merged.Weight <= 0)
            return;
        _global = _rule.Apply(_global, WeightedSumRule.Average(merged));
        EvaluationResult result = Evaluation.Evaluate(_model, _global, _test);
        _rounds.Add(new RoundReport(round, contributions, Math.Round(result.Accuracy, 4), Math.Round(result.Loss, 4), Math.Round((_forest.World.Now - _roundStart) / 1000.0, 3)));
        if (_rounds.Count < _config.Rounds)
            StartRound(_forest.Apps.Single());
    }
}

/// <summary>The `federated` section of a sim report.</summary>
public sealed record FederatedSection(string Model, int Workers, int Parameters, IReadOnlyList<RoundReport> Rounds, double FinalAccuracy);

/// <summary>One round: how many workers' updates were merged, test accuracy and loss after it, and its duration.</summary>
public sealed record RoundReport(int Round, long Contributions, double Accuracy, double Loss, double RoundMs);
