namespace Totoro.Core.Learning;

/// <summary>
/// Local training on a worker's samples. Deterministic: the shuffle order comes from the <see cref="Random"/> the
/// caller creates from a seed. FedProx adds μ/2·‖w − w_global‖² to the loss, i.e. μ·(w − w_global) to the gradient,
/// which keeps skewed clients from drifting far from the global model.
/// </summary>
public static class LocalTrainer
{
    /// <summary>
    /// Trains <paramref name="parameters"/> in place on <paramref name="indices"/> of <paramref name="data"/> and
    /// returns the mean minibatch loss of the last epoch. <paramref name="global"/> is the round's global model,
    /// required when μ &gt; 0.
    /// </summary>
    public static double Train(IModel model, float[] parameters, Dataset data, IReadOnlyList<int> indices, LocalTrainingOptions options, Random random, float[]? global = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        if (options.ProximalMu > 0 && (global is null || global.Length != parameters.Length))
            throw new ArgumentException("FedProx (μ > 0) needs the global model, of the same length as the parameters.", nameof(global));
        if (indices.Count == 0)
            return 0;

        int[] order = indices.ToArray();
        ReadOnlySpan<float> anchor = options.ProximalMu > 0 ? global : ReadOnlySpan<float>.Empty;
        using ITrainingSession session = model is ITrainableModel trainable
            ? trainable.BeginTraining(parameters, data, options, anchor)
            : new GradientSession(model, parameters, data, options, global);
        double lastEpochLoss = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            Shuffle(order, random);
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                sum += session.Step(order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)));
                batches++;
            }

            lastEpochLoss = sum / batches;
        }

        session.CopyParametersTo(parameters);
        return lastEpochLoss;
    }

    /// <summary>The local objective FedProx minimises on a batch: loss + μ/2·‖w − w_global‖² (for tests and logs).</summary>
    public static double ProximalLoss(IModel model, float[] parameters, Dataset data, ReadOnlySpan<int> batch, float mu, float[] global, Span<float> gradient)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(global);
        double loss = model.LossAndGradient(parameters, data, batch, gradient);
        double squared = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            float diff = parameters[i] - global[i];
            squared += (double)diff * diff;
            if (!gradient.IsEmpty)
                gradient[i] += mu * diff;
        }

        return loss + (mu / 2 * squared);
    }

    private static void Step(float[] parameters, float[] gradient, LocalTrainingOptions options, float[]? global)
    {
        float lr = options.LearningRate;
        float mu = options.ProximalMu;
        if (mu > 0 && global is not null)
        {
            for (int i = 0; i < parameters.Length; i++)
                parameters[i] -= lr * (gradient[i] + (mu * (parameters[i] - global[i])));
        }
        else
        {
            VectorMath.AddScaled(parameters, -lr, gradient);
        }
    }

    /// <summary>A plain model's steps: its gradient on the flat vector, trained in place.</summary>
    private sealed class GradientSession(IModel model, float[] parameters, Dataset data, LocalTrainingOptions options, float[]? global) : ITrainingSession
    {
        private readonly float[] _gradient = new float[parameters.Length];

        public double Step(ReadOnlySpan<int> batch)
        {
            double loss = model.LossAndGradient(parameters, data, batch, _gradient);
            LocalTrainer.Step(parameters, _gradient, options, global);
            return loss;
        }

        public void CopyParametersTo(Span<float> target) => parameters.CopyTo(target);

        public void Dispose()
        {
        }
    }

    private static void Shuffle(int[] order, Random random)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
