using Totoro.Core.Learning;
using Totoro.Core.Runtime;

namespace Totoro.Core.Tests.Learning;

/// <summary>Bad hyper-parameters fail at construction with an argument error, not later as NaNs.</summary>
public class OptionValidationTests
{
    [Fact]
    public void Bad_local_training_options_are_refused()
    {
        var model = new LogisticRegressionModel(2, 2);
        var data = new Dataset([0, 1], [1], 2, 2);
        var p = new float[model.ParameterCount];
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalTrainer.Train(model, p, data, [0], new LocalTrainingOptions(0, 1, 0.1f), new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalTrainer.Train(model, p, data, [0], new LocalTrainingOptions(1, 1, float.NaN), new Random(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalTrainer.Train(model, p, data, [0], new LocalTrainingOptions(1, 1, 0.1f, -1), new Random(1)));
        // FedProx without the global model.
        Assert.Throws<ArgumentException>(() => LocalTrainer.Train(model, p, data, [0], new LocalTrainingOptions(1, 1, 0.1f, 0.5f), new Random(1)));
        // Wrong parameter count and mismatched data shape.
        Assert.Throws<ArgumentException>(() => model.LossAndGradient(new float[3], data, [0], Span<float>.Empty));
        Assert.Throws<ArgumentException>(() => new LogisticRegressionModel(3, 2).LossAndGradient(new float[8], data, [0], Span<float>.Empty));
    }

    [Fact]
    public void Bad_server_and_robust_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FedAdam(new AdaptiveServerOptions(Beta1: 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FedYogi(new AdaptiveServerOptions(Tau: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrimmedMeanRule(3, 0.5));
        Assert.Throws<ArgumentException>(() => new CoordinateMedianRule(3).Merge(Payload.FromVector([1, 2]), Payload.FromVector([1, 2, 3])));
        Assert.Throws<ArgumentException>(() => new Dataset([0, 1, 2], [0, 1], 2, 2));
        Assert.Throws<ArgumentException>(() => new Dataset([0, 1], [5], 2, 2));
    }
}
