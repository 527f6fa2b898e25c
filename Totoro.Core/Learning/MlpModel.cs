namespace Totoro.Core.Learning;

/// <summary>
/// One hidden ReLU layer, then softmax: p = softmax(W2·relu(W1·x + b1) + b2).
/// Layout: W1 (hidden × dimensions), b1 (hidden), W2 (classes × hidden), b2 (classes).
/// </summary>
public sealed class MlpModel : IModel
{
    private const int MaxStackFloats = 1024;

    public MlpModel(int dimensions, int hidden, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        Dimensions = dimensions;
        Hidden = hidden;
        Classes = classes;
    }

    public string Name => "mlp";

    public int Dimensions { get; }

    public int Hidden { get; }

    public int Classes { get; }

    public int ParameterCount => (Hidden * Dimensions) + Hidden + (Classes * Hidden) + Classes;

    private int B1At => Hidden * Dimensions;

    private int W2At => B1At + Hidden;

    private int B2At => W2At + (Classes * Hidden);

    public void Initialize(Span<float> parameters, int seed)
    {
        CheckLength(parameters.Length);
        // He-uniform weights for the ReLU layer, Glorot-uniform for the output; biases zero.
        var random = new Random(seed);
        parameters.Clear();
        float limit1 = (float)Math.Sqrt(6.0 / Dimensions);
        for (int i = 0; i < B1At; i++)
            parameters[i] = (float)((random.NextDouble() * 2) - 1) * limit1;
        float limit2 = (float)Math.Sqrt(6.0 / (Hidden + Classes));
        for (int i = W2At; i < B2At; i++)
            parameters[i] = (float)((random.NextDouble() * 2) - 1) * limit2;
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
        int h = Hidden;
        // Scratch for one sample, on the stack for ordinary sizes: this runs once per minibatch.
        Span<float> a = h <= MaxStackFloats ? stackalloc float[h] : new float[h];
        Span<float> r = h <= MaxStackFloats ? stackalloc float[h] : new float[h];
        Span<float> dr = h <= MaxStackFloats ? stackalloc float[h] : new float[h];
        Span<float> p = Classes <= MaxStackFloats ? stackalloc float[Classes] : new float[Classes];
        double loss = 0;
        foreach (int index in batch)
        {
            ReadOnlySpan<float> x = data.Row(index);
            Forward(parameters, x, a, r, p);
            int label = data.Labels[index];
            loss += Softmax.InPlaceWithLoss(p, label);
            if (!backward)
                continue;
            p[label] -= 1;
            dr.Clear();
            for (int c = 0; c < Classes; c++)
            {
                float g = p[c];
                ReadOnlySpan<float> w2 = parameters.Slice(W2At + (c * h), h);
                Span<float> gw2 = gradient.Slice(W2At + (c * h), h);
                for (int u = 0; u < h; u++)
                {
                    gw2[u] += g * r[u];
                    dr[u] += g * w2[u];
                }

                gradient[B2At + c] += g;
            }

            for (int u = 0; u < h; u++)
            {
                if (a[u] <= 0)
                    continue; // ReLU passes no gradient where it was off
                VectorMath.AddScaled(gradient.Slice(u * d, d), dr[u], x);
                gradient[B1At + u] += dr[u];
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
        // Called once per test sample by evaluation: no heap scratch.
        Span<float> a = Hidden <= MaxStackFloats ? stackalloc float[Hidden] : new float[Hidden];
        Span<float> r = Hidden <= MaxStackFloats ? stackalloc float[Hidden] : new float[Hidden];
        Span<float> z = Classes <= MaxStackFloats ? stackalloc float[Classes] : new float[Classes];
        Forward(parameters, features, a, r, z);
        return Softmax.ArgMax(z);
    }

    private void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, Span<float> a, Span<float> r, Span<float> z)
    {
        int d = Dimensions;
        int h = Hidden;
        for (int u = 0; u < h; u++)
        {
            float sum = parameters[B1At + u] + VectorMath.Dot(parameters.Slice(u * d, d), x);
            a[u] = sum;
            r[u] = Math.Max(sum, 0);
        }

        for (int c = 0; c < Classes; c++)
        {
            ReadOnlySpan<float> row = parameters.Slice(W2At + (c * h), h);
            float sum = parameters[B2At + c];
            for (int u = 0; u < h; u++)
                sum += row[u] * r[u];
            z[c] = sum;
        }
    }

    private void CheckLength(int length)
    {
        if (length != ParameterCount)
            throw new ArgumentException($"{Name} {Dimensions}-{Hidden}-{Classes} has {ParameterCount} parameters, not {length}.");
    }

    private void CheckData(Dataset data)
    {
        if (data.Dimensions != Dimensions || data.Classes != Classes)
            throw new ArgumentException($"{Name} expects {Dimensions} features and {Classes} classes; the data has {data.Dimensions} and {data.Classes}.", nameof(data));
    }
}
