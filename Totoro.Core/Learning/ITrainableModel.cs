namespace Totoro.Core.Learning;

/// <summary>
/// A model that keeps its parameters in its own buffers while a worker trains (a deep-learning library's tensors),
/// so local training does not copy the flat vector in and out at every minibatch. <see cref="LocalTrainer"/> still
/// owns the shuffle, the batches and the epochs; the session owns the step.
/// </summary>
public interface ITrainableModel : IModel
{
    /// <summary>
    /// Starts local training from <paramref name="parameters"/> on <paramref name="data"/>. FedProx's term uses
    /// <paramref name="global"/> (empty when μ = 0).
    /// </summary>
    ITrainingSession BeginTraining(ReadOnlySpan<float> parameters, Dataset data, LocalTrainingOptions options, ReadOnlySpan<float> global);
}

/// <summary>One worker's local training in progress.</summary>
public interface ITrainingSession : IDisposable
{
    /// <summary>One SGD step on <paramref name="batch"/> (indices into the data); returns the batch's mean loss before the step.</summary>
    double Step(ReadOnlySpan<int> batch);

    /// <summary>Writes the trained parameters into <paramref name="parameters"/>.</summary>
    void CopyParametersTo(Span<float> parameters);
}
