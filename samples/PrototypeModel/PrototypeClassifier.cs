using Totoro.Core.Learning;

namespace PrototypeModel;

/// <summary>
/// One learned prototype per class; a sample's logit for class c is −½‖x − μ_c‖², and the loss is cross-entropy over
/// those logits. Its gradient for μ_c is (p_c − y_c)(x − μ_c). Layout: μ (classes × dimensions, row-major).
/// </summary>
public sealed class PrototypeClassifier(int dimensions, int classes) : IModel
{
    public string Name => "prototype";

    public int Dimensions { get; } = dimensions;

    public int Classes { get; } = classes;

    public int ParameterCount => Classes * Dimensions;

    public void Initialize(Span<float> parameters, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < parameters.Length; i++)
            parameters[i] = (float)(random.NextDouble() * 0.1);
    }

    public double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient)
    {
        ArgumentNullException.ThrowIfNull(data);
        gradient.Clear();
        if (batch.IsEmpty)
            return 0;
        Span<double> p = stackalloc double[Classes];
        double loss = 0;
        foreach (int index in batch)
        {
            ReadOnlySpan<float> x = data.Row(index);
            Probabilities(parameters, x, p);
            int label = data.Labels[index];
            loss -= Math.Log(Math.Max(p[label], 1e-12));
            if (gradient.IsEmpty)
                continue;
            for (int c = 0; c < Classes; c++)
            {
                double g = p[c] - (c == label ? 1 : 0);
                ReadOnlySpan<float> mu = parameters.Slice(c * Dimensions, Dimensions);
                Span<float> gm = gradient.Slice(c * Dimensions, Dimensions);
                for (int d = 0; d < Dimensions; d++)
                    gm[d] += (float)(g * (x[d] - mu[d]) / batch.Length);
            }
        }

        return loss / batch.Length;
    }

    public int Predict(ReadOnlySpan<float> parameters, ReadOnlySpan<float> features)
    {
        Span<double> p = stackalloc double[Classes];
        Probabilities(parameters, features, p);
        int best = 0;
        for (int c = 1; c < Classes; c++)
        {
            if (p[c] > p[best])
                best = c;
        }

        return best;
    }

    private void Probabilities(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Span<double> p)
    {
        double max = double.NegativeInfinity;
        for (int c = 0; c < Classes; c++)
        {
            ReadOnlySpan<float> mu = parameters.Slice(c * Dimensions, Dimensions);
            double squared = 0;
            for (int d = 0; d < Dimensions; d++)
                squared += (x[d] - mu[d]) * (double)(x[d] - mu[d]);
            p[c] = -0.5 * squared;
            max = Math.Max(max, p[c]);
        }

        double sum = 0;
        for (int c = 0; c < Classes; c++)
            sum += p[c] = Math.Exp(p[c] - max);
        for (int c = 0; c < Classes; c++)
            p[c] /= sum;
    }
}

/// <summary>What makes the model loadable by name: `--model prototype`.</summary>
public sealed class PrototypeFactory : IModelFactory
{
    public string Name => "prototype";

    public string Description => "one learned prototype per class (a sample of a user's own model)";

    public IModel Create(ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new PrototypeClassifier(request.Dimensions, request.Classes);
    }
}
