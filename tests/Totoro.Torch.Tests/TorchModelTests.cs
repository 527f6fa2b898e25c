using Totoro.Core.Learning;

namespace Totoro.Torch.Tests;

public class TorchModelTests
{
    static TorchModelTests() => TorchModels.Register();

    private static IModel Create(string name, int dimensions, int classes)
        => ModelCatalog.Create(new AppSpec { Model = name }, dimensions, classes);

    [Theory]
    // torchvision's published sizes for 3×224×224 inputs and 1,000 classes: resnet34 21,797,672 parameters and
    // 3.66 G multiply-adds, shufflenet_v2_x1_0 2,278,604 parameters and 146 M multiply-adds (Ma et al. 2018).
    [InlineData("resnet-34", 21_797_672, 3.66e9)]
    [InlineData("shufflenet-v2", 2_278_604, 146e6)]
    public void The_paper_networks_have_torchvisions_parameter_counts_and_flops(string name, int parameters, double multiplyAdds)
    {
        IModel model = Create(name, 3 * 224 * 224, 1000);
        Assert.Equal(parameters, model.ParameterCount);
        Assert.InRange(model.ForwardFlops / 2, multiplyAdds * 0.97, multiplyAdds * 1.03);
    }

    [Fact]
    public void The_cnns_size_and_flops_follow_from_its_layers()
    {
        IModel cnn = Create("cnn", 784, 10);
        // conv 1→16 3×3 (+bias), conv 16→32 3×3 (+bias), 32·7·7→128, 128→10.
        Assert.Equal((16 * 9) + 16 + (32 * 16 * 9) + 32 + (32 * 49 * 128) + 128 + (128 * 10) + 10, cnn.ParameterCount);
        double flops = (2.0 * 9 * 16 * 28 * 28) + (2.0 * 16 * 9 * 32 * 14 * 14) + (2.0 * 32 * 49 * 128) + (2.0 * 128 * 10);
        Assert.Equal(flops, cnn.ForwardFlops, 6);
    }

    [Fact]
    public void A_model_that_needs_images_refuses_other_rows_in_one_line()
    {
        var error = Assert.Throws<ArgumentException>(() => Create("cnn", 60, 10));
        Assert.Contains("image rows", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_gradient_agrees_with_finite_differences()
    {
        IModel cnn = Create("cnn", 784, 10);
        Dataset data = RandomImages(8, 784, 10, seed: 3);
        var w = new float[cnn.ParameterCount];
        cnn.Initialize(w, 5);
        var g = new float[w.Length];
        int[] batch = data.AllIndices();
        cnn.LossAndGradient(w, data, batch, g);
        var random = new Random(9);
        // The largest gradients are the best conditioned for a float32 central difference.
        int[] coordinates = [.. Enumerable.Range(0, g.Length).OrderByDescending(i => Math.Abs(g[i])).Take(6), random.Next(g.Length)];
        foreach (int i in coordinates)
        {
            const float h = 1e-2f;
            float keep = w[i];
            w[i] = keep + h;
            double up = cnn.LossAndGradient(w, data, batch, Span<float>.Empty);
            w[i] = keep - h;
            double down = cnn.LossAndGradient(w, data, batch, Span<float>.Empty);
            w[i] = keep;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - g[i]) <= 2e-3 + (0.05 * Math.Abs(g[i])), $"parameter {i}: autograd {g[i]}, finite difference {numeric}");
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    public void Training_in_the_networks_tensors_equals_sgd_on_the_flat_vector(float mu)
    {
        // The same shuffles, batches and update w ← w − lr·(g + μ(w − w_global)), once in a session and once by
        // LocalTrainer's own loop over LossAndGradient (the model seen as a plain IModel).
        IModel cnn = Create("cnn", 784, 10);
        Dataset data = RandomImages(50, 784, 10, seed: 4);
        var start = new float[cnn.ParameterCount];
        cnn.Initialize(start, 6);
        var global = (float[])start.Clone();
        var options = new LocalTrainingOptions(2, 8, 0.05f, mu);
        float[] session = (float[])start.Clone(), flat = (float[])start.Clone();
        double lossSession = LocalTrainer.Train(cnn, session, data, data.AllIndices(), options, new Random(1), global);
        double lossFlat = LocalTrainer.Train(new PlainModel(cnn), flat, data, data.AllIndices(), options, new Random(1), global);
        Assert.Equal(lossFlat, lossSession, 4);
        double maxDiff = session.Zip(flat).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(maxDiff < 1e-4, $"session and flat SGD differ by {maxDiff}");
        Assert.True(session.Zip(start).Any(p => p.First != p.Second), "training changed nothing");
    }

    [Fact]
    public void The_same_seed_gives_the_same_initial_and_trained_model()
    {
        IModel cnn = Create("cnn", 784, 10);
        Dataset data = RandomImages(40, 784, 10, seed: 8);
        float[] Train(int seed)
        {
            var w = new float[cnn.ParameterCount];
            cnn.Initialize(w, seed);
            LocalTrainer.Train(cnn, w, data, data.AllIndices(), new LocalTrainingOptions(1, 10, 0.1f), new Random(seed));
            return w;
        }

        Assert.Equal(Train(1), Train(1));
        Assert.NotEqual(Train(1), Train(2));
    }

    [Fact]
    public void Evaluation_in_batches_equals_predicting_row_by_row()
    {
        IModel cnn = Create("cnn", 784, 10);
        Dataset data = RandomImages(30, 784, 10, seed: 11);
        var w = new float[cnn.ParameterCount];
        cnn.Initialize(w, 2);
        int correct = Enumerable.Range(0, data.Count).Count(i => cnn.Predict(w, data.Row(i)) == data.Labels[i]);
        EvaluationResult result = Evaluation.Evaluate(cnn, w, data);
        Assert.Equal((double)correct / data.Count, result.Accuracy, 9);
        Assert.Equal(cnn.LossAndGradient(w, data, data.AllIndices(), Span<float>.Empty), result.Loss, 4);
    }

    internal static Dataset RandomImages(int count, int dimensions, int classes, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * dimensions];
        for (int i = 0; i < features.Length; i++)
            features[i] = (float)random.NextDouble();
        int[] labels = [.. Enumerable.Range(0, count).Select(i => i % classes)];
        return new Dataset(features, labels, dimensions, classes);
    }

    /// <summary>The model as a plain <see cref="IModel"/>, so LocalTrainer takes its own flat-vector path.</summary>
    private sealed class PlainModel(IModel inner) : IModel
    {
        public string Name => inner.Name;

        public int Dimensions => inner.Dimensions;

        public int Classes => inner.Classes;

        public int ParameterCount => inner.ParameterCount;

        public void Initialize(Span<float> parameters, int seed) => inner.Initialize(parameters, seed);

        public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
            => inner.LossAndGradient(parameters, data, batch, gradient);

        public int Predict(ReadOnlySpan<float> parameters, ReadOnlySpan<float> features) => inner.Predict(parameters, features);
    }
}
