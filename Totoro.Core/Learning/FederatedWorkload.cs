namespace Totoro.Core.Learning;

/// <summary>
/// An app's data and model: the training set, each worker's share of it (by the app's partition rule), the test set
/// the master evaluates on, and the model's shape. Built the same way from the same spec and seed in every world, so
/// a worker's share depends only on its index.
/// </summary>
public sealed class FederatedWorkload
{
    /// <summary>Synthetic samples per worker when the spec does not say (LEAF's synthetic clients are small).</summary>
    public const int SyntheticSamplesPerWorker = 100;

    private FederatedWorkload(AppSpec spec, IModel model, Dataset train, Dataset test, int[][] shares, float[]? startingModel = null)
    {
        _startingModel = startingModel;
        Spec = spec;
        Model = model;
        Train = train;
        Test = test;
        Shares = shares;
    }

    public AppSpec Spec { get; }

    public IModel Model { get; }

    public Dataset Train { get; }

    public Dataset Test { get; }

    /// <summary>Indices into <see cref="Train"/> held by worker i.</summary>
    public int[][] Shares { get; }

    /// <summary>Bytes of one model on a link (float32 parameters).</summary>
    public int ModelBytes => Model.ParameterCount * 4;

    /// <summary>
    /// Loads or generates the data and partitions it. Throws <see cref="ArgumentException"/> for a bad spec and
    /// <see cref="IOException"/> (naming the Debian package) when Fashion-MNIST is missing.
    /// </summary>
    public static FederatedWorkload Load(AppSpec spec, ulong seed, DatasetCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        IReadOnlyList<string> problems = spec.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(string.Join("; ", problems), nameof(spec));
        cache ??= new DatasetCache();
        var random = new Random(SeedStreams.Int(seed, 0x9a47));
        Dataset train, test;
        int[][] shares;
        if (spec.Dataset == "synthetic")
        {
            (train, test, int[][] natural) = cache.Synthetic(spec, SeedStreams.Int(seed, 0x5e7));
            shares = spec.Partition.Kind == "natural" ? natural : Partition(spec, train, random);
        }
        else
        {
            (train, test) = cache.FashionMnist(spec.DatasetFolder, spec.TrainSamples, spec.TestSamples);
            shares = Partition(spec, train, random);
        }

        IModel model = ModelCatalog.Create(spec, train.Dimensions, train.Classes);
        return new FederatedWorkload(spec, model, train, test, shares);
    }

    private readonly float[]? _startingModel;

    /// <summary>
    /// The same data and model, but training starts from <paramref name="parameters"/> (a saved global model) instead
    /// of the seeded initialisation. Throws <see cref="ArgumentException"/> when the count does not fit the model.
    /// </summary>
    public FederatedWorkload StartingFrom(float[] parameters)
    {
        if (parameters.Length != Model.ParameterCount)
            throw new ArgumentException($"the starting model has {parameters.Length} parameters; {Spec.Model} on this data has {Model.ParameterCount}");
        if (!Array.TrueForAll(parameters, float.IsFinite))
            throw new ArgumentException("the starting model has non-finite parameters");
        return new FederatedWorkload(Spec, Model, Train, Test, Shares, (float[])parameters.Clone());
    }

    /// <summary>The initial global model: the starting model given, or the seeded one, the same in every world for the same seed.</summary>
    public float[] InitialModel(ulong seed)
    {
        if (_startingModel is not null)
            return (float[])_startingModel.Clone();
        var parameters = new float[Model.ParameterCount];
        Model.Initialize(parameters, SeedStreams.Int(seed, 0x1417));
        return parameters;
    }

    private static int[][] Partition(AppSpec spec, Dataset train, Random random) => spec.Partition.Kind switch
    {
        "dirichlet" => Partitioner.Dirichlet(train.Labels, train.Classes, spec.Workers, spec.Partition.Alpha, random),
        "shards" => Partitioner.Shards(train.Labels, spec.Workers, spec.Partition.Shards, random),
        _ => Partitioner.Iid(train.Count, spec.Workers, random),
    };
}
