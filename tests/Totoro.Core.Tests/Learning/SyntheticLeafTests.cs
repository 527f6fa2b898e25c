using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public class SyntheticLeafTests
{
    [Fact]
    public void Shapes_labels_and_determinism()
    {
        FederatedData a = SyntheticLeaf.Generate(1, 1, clients: 5, samplesPerClient: 40, seed: 3);
        FederatedData b = SyntheticLeaf.Generate(1, 1, clients: 5, samplesPerClient: 40, seed: 3);
        Assert.Equal(200, a.Data.Count);
        Assert.Equal(SyntheticLeaf.DefaultDimensions, a.Data.Dimensions);
        Assert.Equal(5, a.ClientIndices.Length);
        Assert.Equal(Enumerable.Range(0, 200), a.ClientIndices.SelectMany(p => p).Order());
        Assert.Equal(a.Data.Features, b.Data.Features);
        Assert.Equal(a.Data.Labels, b.Data.Labels);
        Assert.NotEqual(a.Data.Labels, SyntheticLeaf.Generate(1, 1, 5, 40, seed: 4).Data.Labels);
    }

    [Fact]
    public void Feature_variance_decays_as_j_to_the_minus_1_2()
    {
        // Within one client x_j ~ N(v_j, j^−1.2): the sample variance of feature 1 is ≈ 1 and of feature 60 ≈ 60^−1.2 ≈ 0.0074.
        FederatedData data = SyntheticLeaf.Generate(0, 0, clients: 1, samplesPerClient: 4000, seed: 8);
        double Variance(int j)
        {
            double[] x = Enumerable.Range(0, 4000).Select(i => (double)data.Data.Features[(i * 60) + j]).ToArray();
            double mean = x.Average();
            return x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1);
        }

        Assert.InRange(Variance(0), 0.9, 1.1);
        Assert.InRange(Variance(59), Math.Pow(60, -1.2) * 0.9, Math.Pow(60, -1.2) * 1.1);
    }

    [Fact]
    public void Labels_follow_each_clients_own_model_so_clients_differ()
    {
        // A logistic regression fitted to client 0 explains client 0's labels, but not other clients': each has its own W_k.
        FederatedData data = SyntheticLeaf.Generate(1, 1, clients: 6, samplesPerClient: 300, seed: 12);
        IModel model = new LogisticRegressionModel(60, 10);
        var p = new float[model.ParameterCount];
        LocalTrainer.Train(model, p, data.Data, data.ClientIndices[0], new LocalTrainingOptions(20, 20, 0.05f), new Random(1));

        double own = model.Accuracy(p, data.Data.Subset(data.ClientIndices[0]));
        double others = data.ClientIndices.Skip(1).Average(c => model.Accuracy(p, data.Data.Subset(c)));
        Assert.True(own > 0.85, $"client 0's own data fits to {own}");
        Assert.True(others < own - 0.3, $"other clients {others} vs own {own}");
    }
}
