namespace Totoro.Core.Learning;

/// <summary>The master's evaluation of a global model on a held-out test set.</summary>
public static class Evaluation
{
    public static EvaluationResult Evaluate(IModel model, float[] parameters, Dataset test)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count == 0)
            return new EvaluationResult(0, 0, 0);
        double loss = model.LossAndGradient(parameters, test, test.AllIndices(), Span<float>.Empty);
        return new EvaluationResult(model.Accuracy(parameters, test), loss, test.Count);
    }
}
