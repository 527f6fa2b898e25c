namespace Totoro.Core.Learning;

/// <summary>
/// A classifier whose parameters are one flat float vector (what the tree carries). The model object holds only
/// shapes, never parameters, so one instance serves every client and the server.
/// </summary>
public interface IModel
{
    string Name { get; }

    int Dimensions { get; }

    int Classes { get; }

    int ParameterCount { get; }

    /// <summary>
    /// Floating-point operations of one forward pass on one sample (a multiply-add counts two). The timing mode and
    /// the device model charge training as three forward passes per sample (forward, and a backward twice as dear).
    /// A dense model's forward pass costs about two per parameter; a convolution reuses each weight at every pixel.
    /// </summary>
    double ForwardFlops => 2.0 * ParameterCount;

    /// <summary>Fills <paramref name="parameters"/> with a deterministic initial model drawn from <paramref name="seed"/>.</summary>
    void Initialize(Span<float> parameters, int seed);

    /// <summary>
    /// Mean cross-entropy over <paramref name="batch"/> (indices into <paramref name="data"/>). When
    /// <paramref name="gradient"/> is not empty it is overwritten with the mean gradient; an empty span skips the
    /// backward pass (evaluation).
    /// </summary>
    double LossAndGradient(ReadOnlySpan<float> parameters, Dataset data, ReadOnlySpan<int> batch, Span<float> gradient);

    /// <summary>The most likely class of one feature row.</summary>
    int Predict(ReadOnlySpan<float> parameters, ReadOnlySpan<float> features);

    /// <summary>Fraction of <paramref name="data"/> predicted correctly.</summary>
    double Accuracy(ReadOnlySpan<float> parameters, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
            return 0;
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            if (Predict(parameters, data.Row(i)) == data.Labels[i])
                correct++;
        }

        return (double)correct / data.Count;
    }
}
