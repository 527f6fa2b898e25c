using Totoro.Core.Learning;

namespace Totoro.Core.Tests.Learning;

public class EvaluationTests
{
    [Fact]
    public void Evaluate_matches_closed_forms()
    {
        // Logreg on 1-D inputs, 2 classes: W = [[0], [1]], b = [0.5, 0] → logits (0.5, x). Class 1 iff x > 0.5.
        var model = new LogisticRegressionModel(1, 2);
        float[] parameters = [0, 1, 0.5f, 0];
        var data = new Dataset([0, 1, 2, 0.25f], [0, 1, 0, 1], 1, 2);
        EvaluationResult result = Evaluation.Evaluate(model, parameters, data);

        Assert.Equal(0.5, result.Accuracy); // right on x = 0 and 1, wrong on 2 and 0.25
        double expected = new[] { (0.0, 0), (1.0, 1), (2.0, 0), (0.25, 1) }
            .Average(s => Math.Log(Math.Exp(0.5) + Math.Exp(s.Item1)) - (s.Item2 == 0 ? 0.5 : s.Item1));
        Assert.Equal(expected, result.Loss, 6);
        Assert.Equal(4, result.Samples);
    }
}
