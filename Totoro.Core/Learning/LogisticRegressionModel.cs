namespace Totoro.Core.Learning;

/// <summary>
/// Multinomial logistic regression: p = softmax(W·x + b). Layout: W (classes × dimensions, row-major), then b.
/// </summary>
public sealed class LogisticRegressionModel : IModel
{
    public LogisticRegressionModel(int dimensions, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        Dimensions = dimensions;
        Classes = classes;
    }

    public string Name => "logreg";

    public int Dimensions { get; }

    public int Classes { get; }

    public int ParameterCount => (Classes * Dimensions) + Classes;

    public void Initialize(Span<float> parameters, int seed)
    {
        CheckLength(parameters.Length);
        // Small random weights (not zeros) so that the gradient check exercises every path; the problem is convex.
        var random = new Random(seed);
        for (int i = 0; i < parameters.Length; i++)
            parameters[i] = (float)((random.NextDouble() - 0.5) * 0.02);
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckLength(parameters.Length);
        CheckData(data);
        bool backward = !gradient.IsEmpty;
        if (backward)
        {
            CheckLength(gradient.Length);
            gradient.Clear();
        }

        if (batch.IsEmpty)
            return 0;
        int d = Dimensions;
        int biasAt = Classes * d;
        Span<float> p = stackalloc float[Classes];
        double loss = 0;
        foreach (int index in batch)
        {
            ReadOnlySpan<float> x = data.Row(index);
            Logits(parameters, x, p);
            int label = data.Labels[index];
            loss += Softmax.InPlaceWithLoss(p, label);
            if (!backward)
                continue;
            p[label] -= 1; // dLoss/dlogits = p − onehot
            for (int c = 0; c < Classes; c++)
            {
                float g = p[c];
                if (g == 0)
                    continue;
                VectorMath.AddScaled(gradient.Slice(c * d, d), g, x);
                gradient[biasAt + c] += g;
            }
        }

        if (backward)
        {
            float scale = 1f / batch.Length;
            for (int i = 0; i < gradient.Length; i++)
                gradient[i] *= scale;
        }

        return loss / batch.Length;
    }

    public int Predict(ReadOnlySpan<float> parameters, ReadOnlySpan<float> features)
    {
        CheckLength(parameters.Length);
        Span<float> z = stackalloc float[Classes];
        Logits(parameters, features, z);
        return Softmax.ArgMax(z);
    }

    private void Logits(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Span<float> z)
    {
        int d = Dimensions;
        for (int c = 0; c < Classes; c++)
        {
            z[c] = parameters[(Classes * d) + c] + VectorMath.Dot(parameters.Slice(c * d, d), x);
        }
    }

    private void CheckLength(int length)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"{Name} with {Dimensions} inputs and {Classes} classes has {ParameterCount} parameters, not {length}.");
    }

    private void CheckData(Dataset data)
    {
        if (data.Dimensions != Dimensions || data.Classes != Classes)
            throw new ArgumentException($"{Name} expects {Dimensions} features and {Classes} classes; the data has {data.Dimensions} and {data.Classes}.", nameof(data));
    }
}
