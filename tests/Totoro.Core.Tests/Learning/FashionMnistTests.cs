using Totoro.Core.Learning;
using Xunit.Abstractions;

namespace Totoro.Core.Tests.Learning;

/// <summary>A real measurement: a model trained on the first 8,000 test images, evaluated on the last 2,000.</summary>
public class FashionMnistTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("logreg", 0.75)]
    [InlineData("mlp", 0.75)]
    public void Model_learns_fashion_mnist(string name, double floor)
    {
        Needs.FashionMnist();

        Dataset all = IdxReader.LoadFashionMnist();
        Dataset train = all.Subset(Enumerable.Range(0, 8000).ToArray());
        Dataset test = all.Subset(Enumerable.Range(8000, 2000).ToArray());
        IModel model = name == "logreg" ? new LogisticRegressionModel(784, 10) : new MlpModel(784, 64, 10);
        var parameters = new float[model.ParameterCount];
        model.Initialize(parameters, seed: 1);

        LocalTrainer.Train(model, parameters, train, train.AllIndices(), new LocalTrainingOptions(Epochs: 3, BatchSize: 32, LearningRate: 0.1f), new Random(2));
        EvaluationResult result = Evaluation.Evaluate(model, parameters, test);

        output.WriteLine($"{name}, 3 epochs on 8,000 test images: accuracy {result.Accuracy:P2}, loss {result.Loss:F4} on the last 2,000");
        Assert.True(result.Accuracy > floor, $"accuracy {result.Accuracy}");
    }
}
