namespace Totoro.Core.Learning;

/// <summary>
/// Datasets loaded once and shared by every app of a run (read-only after loading): twenty apps on Fashion-MNIST
/// read the IDX files once. Thread-safe, so parallel experiment points may share one.
/// </summary>
public sealed class DatasetCache
{
    private readonly Dictionary<string, Dataset> _idx = [];
    private readonly Dictionary<string, (Dataset, Dataset, int[][])> _synthetic = [];
    private readonly Lock _lock = new();

    /// <summary>The first <paramref name="trainSamples"/> and <paramref name="testSamples"/> of Fashion-MNIST (0: all).</summary>
    public (Dataset Train, Dataset Test) FashionMnist(string? folder, int trainSamples, int testSamples)
    {
        Dataset train = Head(folder, train: true, trainSamples);
        Dataset test = Head(folder, train: false, testSamples);
        return (train, test);
    }

    /// <summary>
    /// LEAF synthetic(1, 1) with one generated client per worker; each client's last fifth is held out, and the
    /// held-out samples together are the test set.
    /// </summary>
    public (Dataset Train, Dataset Test, int[][] Natural) Synthetic(AppSpec spec, int seed)
    {
        int perWorker = spec.TrainSamples > 0 ? Math.Max(1, spec.TrainSamples / spec.Workers) : FederatedWorkload.SyntheticSamplesPerWorker;
        string key = $"{spec.Workers}/{perWorker}/{seed}";
        lock (_lock)
        {
            if (_synthetic.TryGetValue(key, out var cached))
                return cached;
        }

        int heldOut = Math.Max(1, perWorker / 4);
        FederatedData generated = SyntheticLeaf.Generate(1, 1, spec.Workers, perWorker + heldOut, seed);
        var trainIndices = new List<int>();
        var testIndices = new List<int>();
        var natural = new int[spec.Workers][];
        for (int k = 0; k < spec.Workers; k++)
        {
            int[] client = generated.ClientIndices[k];
            natural[k] = Enumerable.Range(trainIndices.Count, perWorker).ToArray();
            trainIndices.AddRange(client[..perWorker]);
            testIndices.AddRange(client[perWorker..]);
        }

        Dataset test = generated.Data.Subset(testIndices);
        if (spec.TestSamples > 0 && spec.TestSamples < test.Count)
            test = Head(test, spec.TestSamples);
        var result = (generated.Data.Subset(trainIndices), test, natural);
        lock (_lock)
            _synthetic[key] = result;
        return result;
    }

    private Dataset Load(string? folder, bool train)
    {
        string key = $"{folder ?? IdxReader.DefaultFolder}|{train}";
        lock (_lock)
        {
            if (_idx.TryGetValue(key, out Dataset? cached))
                return cached;
        }

        Dataset loaded = IdxReader.LoadFashionMnist(folder, train);
        lock (_lock)
            _idx[key] = loaded;
        return loaded;
    }

    /// <summary>
    /// The first <paramref name="count"/> samples, copied once and shared like the whole set: twenty apps on 30,000
    /// samples each held their own 94 MB copy of the same rows.
    /// </summary>
    private Dataset Head(string? folder, bool train, int count)
    {
        Dataset data = Load(folder, train);
        if (count <= 0 || count >= data.Count)
            return data;
        string key = $"{folder ?? IdxReader.DefaultFolder}|{train}|{count}";
        lock (_lock)
        {
            if (_idx.TryGetValue(key, out Dataset? cached))
                return cached;
        }

        Dataset head = Head(data, count);
        lock (_lock)
            return _idx.TryAdd(key, head) ? head : _idx[key];
    }

    private static Dataset Head(Dataset data, int count)
        => count > 0 && count < data.Count ? data.Subset(Enumerable.Range(0, count).ToArray()) : data;
}
