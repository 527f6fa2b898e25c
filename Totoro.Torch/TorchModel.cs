using System.Collections.Concurrent;
using TorchSharp;
using Totoro.Core.Learning;
using static TorchSharp.torch;

namespace Totoro.Torch;

/// <summary>
/// A TorchSharp network as an engine model: the tree carries its parameters as one flat float vector (each
/// parameter tensor in registration order), and the network's tensors are loaded from and written back to it. The
/// model object holds the shapes and a pool of network instances, so parallel workers on one host each train their
/// own instance. Initialisation uses the engine's seeded <see cref="Random"/>, never libtorch's global generator, so
/// the same seed gives the same model in every world.
/// </summary>
public sealed class TorchModel : ITrainableModel
{
    private const int EvaluationChunk = 500;

    private readonly Func<ShapeTracker, nn.Module<Tensor, Tensor>> _build;
    private readonly ConcurrentBag<nn.Module<Tensor, Tensor>> _pool = [];
    private readonly (string Name, long[] Shape, int Length)[] _layout;

    static TorchModel()
    {
        // One intra-op thread: a worker's minibatches are small, the simulator trains one worker at a time and a host
        // trains its workers in parallel on the thread pool; libtorch's own thread team only spins against them.
        set_num_threads(1);
    }

    internal TorchModel(string name, int dimensions, int classes, Func<ImageShape, int, ShapeTracker, nn.Module<Tensor, Tensor>> build)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        Name = name;
        Dimensions = dimensions;
        Classes = classes;
        Input = ImageShape.Of(dimensions);
        _build = shape => build(Input, classes, shape);
        var tracker = new ShapeTracker(Input);
        nn.Module<Tensor, Tensor> first = _build(tracker);
        ForwardFlops = tracker.Flops;
        _layout = [.. first.named_parameters().Select(p => (p.name, p.parameter.shape, checked((int)p.parameter.numel())))];
        ParameterCount = _layout.Sum(p => p.Length);
        _pool.Add(first);
    }

    public string Name { get; }

    public int Dimensions { get; }

    public int Classes { get; }

    public int ParameterCount { get; }

    public double ForwardFlops { get; }

    /// <summary>How a feature row is read as an image.</summary>
    public ImageShape Input { get; }

    /// <summary>
    /// He-uniform weights for convolutions and linear layers (bound √(6 / fan-in)), ones for normalisation scales,
    /// zeros for biases; drawn in layout order from <paramref name="seed"/>.
    /// </summary>
    public void Initialize(Span<float> parameters, int seed)
    {
        CheckLength(parameters.Length);
        var random = new Random(seed);
        int at = 0;
        foreach ((string name, long[] shape, int length) in _layout)
        {
            Span<float> slice = parameters.Slice(at, length);
            if (shape.Length >= 2)
            {
                float bound = (float)Math.Sqrt(6.0 / (length / shape[0]));
                for (int i = 0; i < slice.Length; i++)
                    slice[i] = (float)((random.NextDouble() * 2) - 1) * bound;
            }
            else
            {
                slice.Fill(name.EndsWith("bias", StringComparison.Ordinal) ? 0f : 1f);
            }

            at += length;
        }
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckLength(parameters.Length);
        CheckData(data);
        if (!gradient.IsEmpty)
            CheckLength(gradient.Length);
        if (batch.IsEmpty)
        {
            gradient.Clear();
            return 0;
        }

        nn.Module<Tensor, Tensor> network = Rent();
        try
        {
            Load(network, parameters);
            if (gradient.IsEmpty)
                return Evaluate(network, data, batch).Loss;
            network.train();
            network.zero_grad();
            using var scope = NewDisposeScope();
            Tensor loss = nn.functional.cross_entropy(network.call(Features(data, batch)), Labels(data, batch));
            loss.backward();
            int at = 0;
            foreach (var p in network.parameters())
            {
                int length = (int)p.numel();
                p.grad!.contiguous().data<float>().CopyTo(gradient.Slice(at, length), 0, 0);
                at += length;
            }

            return loss.item<float>();
        }
        finally
        {
            _pool.Add(network);
        }
    }

    public int Predict(ReadOnlySpan<float> parameters, ReadOnlySpan<float> features)
    {
        CheckLength(parameters.Length);
        if (features.Length != Dimensions)
            throw new ArgumentException($"{Name} expects {Dimensions} features, not {features.Length}.", nameof(features));
        nn.Module<Tensor, Tensor> network = Rent();
        try
        {
            Load(network, parameters);
            network.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            Tensor x = tensor(features.ToArray(), [1, Input.Channels, Input.Height, Input.Width]);
            return (int)network.call(x).argmax(1).item<long>();
        }
        finally
        {
            _pool.Add(network);
        }
    }

    /// <summary>Accuracy in batches of the network (the interface's default predicts one row at a time).</summary>
    public double Accuracy(ReadOnlySpan<float> parameters, Dataset data) => Evaluate(parameters, data).Accuracy;

    public EvaluationResult Evaluate(ReadOnlySpan<float> parameters, Dataset test)
    {
        ArgumentNullException.ThrowIfNull(test);
        CheckLength(parameters.Length);
        CheckData(test);
        if (test.Count == 0)
            return new EvaluationResult(0, 0, 0);
        nn.Module<Tensor, Tensor> network = Rent();
        try
        {
            Load(network, parameters);
            return Evaluate(network, test, test.AllIndices());
        }
        finally
        {
            _pool.Add(network);
        }
    }

    public ITrainingSession BeginTraining(ReadOnlySpan<float> parameters, Dataset data, LocalTrainingOptions options, ReadOnlySpan<float> global)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        CheckLength(parameters.Length);
        CheckData(data);
        if (!global.IsEmpty)
            CheckLength(global.Length);
        nn.Module<Tensor, Tensor> network = Rent();
        Load(network, parameters);
        return new TorchTrainingSession(this, network, data, options, global);
    }

    internal void Return(nn.Module<Tensor, Tensor> network) => _pool.Add(network);

    /// <summary>A batch of rows as an N×C×H×W tensor.</summary>
    internal Tensor Features(Dataset data, ReadOnlySpan<int> batch)
    {
        var rows = new float[batch.Length * Dimensions];
        for (int i = 0; i < batch.Length; i++)
            data.Row(batch[i]).CopyTo(rows.AsSpan(i * Dimensions, Dimensions));
        return tensor(rows, [batch.Length, Input.Channels, Input.Height, Input.Width]);
    }

    internal static Tensor Labels(Dataset data, ReadOnlySpan<int> batch)
    {
        var labels = new long[batch.Length];
        for (int i = 0; i < batch.Length; i++)
            labels[i] = data.Labels[batch[i]];
        return tensor(labels);
    }

    /// <summary>Copies the flat vector into the network's parameter tensors.</summary>
    internal static void Load(nn.Module<Tensor, Tensor> network, ReadOnlySpan<float> parameters)
    {
        using var noGrad = no_grad();
        int at = 0;
        foreach (var p in network.parameters())
        {
            int length = (int)p.numel();
            p.data<float>().CopyFrom(parameters.Slice(at, length), 0, 0);
            at += length;
        }
    }

    private EvaluationResult Evaluate(nn.Module<Tensor, Tensor> network, Dataset data, ReadOnlySpan<int> indices)
    {
        network.eval();
        using var noGrad = no_grad();
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < indices.Length; start += EvaluationChunk)
        {
            ReadOnlySpan<int> chunk = indices.Slice(start, Math.Min(EvaluationChunk, indices.Length - start));
            using var scope = NewDisposeScope();
            Tensor labels = Labels(data, chunk);
            Tensor logits = network.call(Features(data, chunk));
            lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(labels).sum().item<long>();
        }

        return new EvaluationResult((double)correct / indices.Length, lossSum / indices.Length, indices.Length);
    }

    private nn.Module<Tensor, Tensor> Rent() => _pool.TryTake(out var network) ? network : _build(new ShapeTracker(Input));

    private void CheckLength(int length)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"{Name} for {Input.Channels}×{Input.Height}×{Input.Width} images and {Classes} classes has {ParameterCount} parameters, not {length}.");
    }

    private void CheckData(Dataset data)
    {
        if (data.Dimensions != Dimensions || data.Classes != Classes)
            throw new ArgumentException($"{Name} expects {Dimensions} features and {Classes} classes; the data has {data.Dimensions} and {data.Classes}.", nameof(data));
    }
}
