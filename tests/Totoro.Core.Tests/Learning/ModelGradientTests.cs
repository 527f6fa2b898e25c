using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

/// <summary>Backward passes against central finite differences of the forward pass (the oracle).</summary>
public class ModelGradientTests
{
    public static TheoryData<string> Models => new() { "logreg", "mlp" };

    private static IModel Make(string name, int d, int k) => name == "logreg" ? new LogisticRegressionModel(d, k) : new MlpModel(d, 6, k);

    [Theory]
    [MemberData(nameof(Models))]
    public void Gradient_matches_finite_differences(string name)
    {
        const int D = 5;
        const int K = 4;
        IModel model = Make(name, D, K);
        Dataset data = LearningTestData.SeparableClusters(12, D, K, seed: 3);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, seed: 7);
        // Larger random weights than the initialiser's so that the softmax is far from uniform and every term matters.
        var random = new Random(11);
        for (int i = 0; i < parameters.Length; i++)
            parameters[i] += (float)((random.NextDouble() - 0.5) * 0.6);
        int[] batch = [0, 3, 4, 7, 8, 11];

        var gradient = new float[model.ParameterCount];
        model.LossAndGradient(parameters, data, batch, gradient);
        AssertMatchesFiniteDifferences(p => model.LossAndGradient(p, data, batch, Span<float>.Empty), parameters, gradient);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Proximal_gradient_matches_finite_differences(string name)
    {
        IModel model = Make(name, 4, 3);
        Dataset data = LearningTestData.SeparableClusters(9, 4, 3, seed: 5);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, seed: 1);
        float[] global = LearningTestData.RandomVector(new Random(2), model.ParameterCount, 0.5);
        int[] batch = data.AllIndices();
        const float Mu = 0.7f;

        var gradient = new float[model.ParameterCount];
        LocalTrainer.ProximalLoss(model, parameters, data, batch, Mu, global, gradient);
        AssertMatchesFiniteDifferences(p => LocalTrainer.ProximalLoss(model, p, data, batch, Mu, global, Span<float>.Empty), parameters, gradient);
    }

    [Fact]
    public void Logreg_loss_at_zero_is_log_classes_and_gradient_is_closed_form()
    {
        // With W = 0, b = 0 every class has p = 1/k: loss = ln k, ∂/∂b_c = 1/k − freq(c), ∂/∂W_cj = mean((1/k − [y=c])·x_j).
        var model = new LogisticRegressionModel(2, 3);
        var data = new Dataset([1, 2, -1, 0.5f, 3, -2, 0, 1], [0, 2, 2, 1], 2, 3);
        var zero = new float[model.ParameterCount];
        var gradient = new float[model.ParameterCount];
        double loss = model.LossAndGradient(zero, data, data.AllIndices(), gradient);
        Assert.Equal(Math.Log(3), loss, 6);
        Assert.Equal((1.0 / 3) - 0.25, gradient[6], 6);
        Assert.Equal((1.0 / 3) - 0.50, gradient[8], 6);
        // ∂/∂W_00 = mean over samples of (1/3 − [y=0])·x_0 = ((1/3−1)·1 + (1/3)(−1 + 3 + 0)) / 4.
        Assert.Equal((((1.0 / 3) - 1) + ((1.0 / 3) * 2)) / 4, gradient[0], 6);
    }

    private static void AssertMatchesFiniteDifferences(Func<float[], double> loss, float[] parameters, float[] gradient)
    {
        const float Eps = 1e-3f;
        for (int i = 0; i < parameters.Length; i++)
        {
            float saved = parameters[i];
            parameters[i] = saved + Eps;
            double up = loss(parameters);
            parameters[i] = saved - Eps;
            double down = loss(parameters);
            parameters[i] = saved;
            double numeric = (up - down) / (2 * Eps);
            double tolerance = 2e-3 + (1e-2 * Math.Abs(numeric));
            Assert.True(Math.Abs(numeric - gradient[i]) <= tolerance, $"parameter {i}: analytic {gradient[i]}, numeric {numeric}");
        }
    }
}
